package chain

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"slices"
	"time"
)

// ExpiryWarning is how long before a presented certificate's NotAfter the
// diagnosis starts to warn about it.
const ExpiryWarning = 30 * 24 * time.Hour

// MaxThumbprints is the maximum number of thumbprints IAM stores for one OIDC
// provider.
const MaxThumbprints = 5

// Dropped is a thumbprint that Plan removes from the list, with the reason.
type Dropped struct {
	Thumbprint string
	Reason     string
}

// Top returns the last presented certificate, the one whose thumbprint IAM
// expects, or nil when the server presented none.
func (r *Result) Top() *x509.Certificate {
	if len(r.Certificates) == 0 {
		return nil
	}
	return r.Certificates[len(r.Certificates)-1]
}

// Match returns, for each of thumbprints that equals a presented certificate's
// thumbprint, the normalized thumbprint mapped to that certificate's position
// (0 is the leaf). Comparison ignores case, colons and spaces. Entries that
// match nothing, or are not valid thumbprints, are absent from the map.
func (r *Result) Match(thumbprints []string) map[string]int {
	positions := presentedPositions(r.Certificates)
	matches := make(map[string]int)
	for _, entry := range thumbprints {
		normalized, err := NormalizeThumbprint(entry)
		if err != nil {
			continue
		}
		if position, ok := positions[normalized]; ok {
			matches[normalized] = position
		}
	}
	return matches
}

// presentedPositions maps the thumbprint of each certificate to its first
// position in presented.
func presentedPositions(presented []*x509.Certificate) map[string]int {
	positions := make(map[string]int, len(presented))
	for i, cert := range presented {
		thumbprint := Thumbprint(cert)
		if _, ok := positions[thumbprint]; !ok {
			positions[thumbprint] = i
		}
	}
	return positions
}

// Plan computes the thumbprint list for an IAM OIDC provider whose server
// presents the chain presented, and returns it with the entries it removes.
//
// The new list keeps the normalized entries of current in their order, then
// adds the top certificate's thumbprint if it is missing. Invalid and
// duplicate entries are dropped. Other entries stay while the list has room,
// so that an old value keeps working during a CA change.
//
// When the list would exceed MaxThumbprints, Plan drops entries until it fits.
// It drops entries of presented certificates that have expired at now first.
// Next come entries that match no presented certificate, and last entries of
// other presented certificates, starting from the leaf. Within each group the
// earliest entry goes first. The entry of the top certificate is never dropped.
//
// Plan is idempotent: planning its own output again changes nothing.
func Plan(current []string, presented []*x509.Certificate, now time.Time) (next []string, dropped []Dropped) {
	positions := presentedPositions(presented)

	var entries []string
	listed := make(map[string]bool)
	for _, entry := range current {
		normalized, err := NormalizeThumbprint(entry)
		if err != nil {
			dropped = append(dropped, Dropped{Thumbprint: entry, Reason: err.Error()})
			continue
		}
		if listed[normalized] {
			dropped = append(dropped, Dropped{Thumbprint: normalized, Reason: "duplicate of an earlier entry"})
			continue
		}
		listed[normalized] = true
		entries = append(entries, normalized)
	}

	top := ""
	if len(presented) > 0 {
		top = Thumbprint(presented[len(presented)-1])
		if !listed[top] {
			entries = append(entries, top)
		}
	}

	removed := make(map[string]bool)
	excess := len(entries) - MaxThumbprints
	for _, candidate := range dropCandidates(entries, top, presented, positions, now) {
		if excess <= 0 {
			break
		}
		removed[candidate.Thumbprint] = true
		dropped = append(dropped, candidate)
		excess--
	}

	for _, entry := range entries {
		if !removed[entry] {
			next = append(next, entry)
		}
	}
	return next, dropped
}

// dropCandidates returns every entry except top, in the order Plan drops
// them, each with the reason for dropping it.
func dropCandidates(entries []string, top string, presented []*x509.Certificate, positions map[string]int, now time.Time) []Dropped {
	type positionedDrop struct {
		drop     Dropped
		position int
	}
	var expired, unmatched []Dropped
	var valid []positionedDrop
	for _, entry := range entries {
		if entry == top {
			continue
		}
		position, ok := positions[entry]
		if !ok {
			unmatched = append(unmatched, Dropped{
				Thumbprint: entry,
				Reason:     "matches no certificate that the server presents",
			})
			continue
		}

		cert := presented[position]
		if now.After(cert.NotAfter) {
			expired = append(expired, Dropped{
				Thumbprint: entry,
				Reason: fmt.Sprintf("matches presented certificate %d (%q), which expired on %s",
					position, displayName(cert.Subject), cert.NotAfter.UTC().Format(time.DateOnly)),
			})
			continue
		}
		valid = append(valid, positionedDrop{
			drop: Dropped{
				Thumbprint: entry,
				Reason: fmt.Sprintf("matches presented certificate %d (%q), which is not the top certificate, and IAM stores at most %d thumbprints",
					position, displayName(cert.Subject), MaxThumbprints),
			},
			position: position,
		})
	}

	// Certificates nearer the leaf go first because they are replaced most often.
	slices.SortStableFunc(valid, func(a, b positionedDrop) int {
		return a.position - b.position
	})

	candidates := append(expired, unmatched...)
	for _, v := range valid {
		candidates = append(candidates, v.drop)
	}
	return candidates
}

// TopIsLeaf reports whether the top presented certificate is an end-entity
// certificate that is not self-signed. Such a server sends no CA
// certificate, so every thumbprint of its chain changes when the leaf is
// renewed; the server should send its intermediates.
func TopIsLeaf(presented []*x509.Certificate) bool {
	if len(presented) == 0 {
		return false
	}
	top := presented[len(presented)-1]
	if top.IsCA {
		return false
	}
	// CheckSignatureFrom would reject a parent that is not a CA, so the
	// signature is checked against the certificate's own key directly.
	selfSigned := bytes.Equal(top.RawSubject, top.RawIssuer) &&
		top.CheckSignature(top.SignatureAlgorithm, top.RawTBSCertificate, top.Signature) == nil

	return !selfSigned
}
