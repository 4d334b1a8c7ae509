package chain

import (
	"crypto/sha1" // IAM OIDC provider thumbprints are SHA-1 fingerprints; no other hash is accepted.
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
)

// thumbprintLength is the number of hex digits in a SHA-1 thumbprint.
const thumbprintLength = 2 * sha1.Size

// Thumbprint returns the lowercase hex SHA-1 of the certificate's DER bytes
// (40 characters), the form IAM stores in an OIDC provider's thumbprint list.
func Thumbprint(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// NormalizeThumbprint lowercases s and removes colons and spaces, so that
// "AB:CD:..." as printed by openssl matches IAM's "abcd...". It returns an
// error that names s unless the result is exactly 40 hex digits.
func NormalizeThumbprint(s string) (string, error) {
	normalized := strings.Map(func(r rune) rune {
		if r == ':' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(s))

	for _, r := range normalized {
		if !isHexDigit(r) {
			return "", fmt.Errorf("invalid thumbprint %q: %q is not a hex digit", s, r)
		}
	}
	// All runes are ASCII hex digits now, so the byte length is the digit count.
	if len(normalized) != thumbprintLength {
		return "", fmt.Errorf("invalid thumbprint %q: has %d hex digits, want %d (a SHA-1 fingerprint)",
			s, len(normalized), thumbprintLength)
	}

	return normalized, nil
}

// isHexDigit reports whether r is 0-9 or a-f. Input is already lowercased.
func isHexDigit(r rune) bool {
	return ('0' <= r && r <= '9') || ('a' <= r && r <= 'f')
}
