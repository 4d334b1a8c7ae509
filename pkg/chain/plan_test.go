package chain

import (
	"crypto/x509"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/certgen"
)

// unknownThumbprint returns a valid thumbprint that matches no test
// certificate: 40 copies of digit.
func unknownThumbprint(digit string) string {
	return strings.Repeat(digit, 40)
}

func TestPlan(t *testing.T) {
	now := time.Now()
	c := newTestChain(t)
	expiredCA := certgen.MustNew(certgen.Spec{
		CommonName: "Expired Cross-Signed CA",
		IsCA:       true,
		NotBefore:  now.AddDate(-2, 0, 0),
		NotAfter:   now.AddDate(0, 0, -1),
	}, nil)
	top := certgen.MustNew(certgen.Spec{CommonName: "Top CA", IsCA: true}, nil)

	leaf := Thumbprint(c.leaf.Cert)
	intermediate := Thumbprint(c.intermediate.Cert)
	expired := Thumbprint(expiredCA.Cert)
	topThumbprint := Thumbprint(top.Cert)
	u1, u2, u3, u4, u5 := unknownThumbprint("1"), unknownThumbprint("2"), unknownThumbprint("3"), unknownThumbprint("4"), unknownThumbprint("5")

	shortChain := []*x509.Certificate{c.leaf.Cert, c.intermediate.Cert}
	withExpired := []*x509.Certificate{c.leaf.Cert, expiredCA.Cert, top.Cert}

	// A long chain whose every certificate is valid: leaf, five CAs, top.
	longChain := []*x509.Certificate{c.leaf.Cert}
	var longThumbprints []string
	for _, name := range []string{"CA 1", "CA 2", "CA 3", "CA 4", "CA 5"} {
		ca := certgen.MustNew(certgen.Spec{CommonName: name, IsCA: true}, nil)
		longChain = append(longChain, ca.Cert)
		longThumbprints = append(longThumbprints, Thumbprint(ca.Cert))
	}
	longChain = append(longChain, top.Cert)

	tests := []struct {
		name        string
		current     []string
		presented   []*x509.Certificate
		wantNext    []string
		wantDropped []string // thumbprints in drop order
		wantReasons []string // substring of each reason, in the same order
	}{
		{
			name:      "empty list",
			current:   nil,
			presented: shortChain,
			wantNext:  []string{intermediate},
		},
		{
			name:      "already correct",
			current:   []string{intermediate},
			presented: shortChain,
			wantNext:  []string{intermediate},
		},
		{
			name:      "stale single entry",
			current:   []string{u1},
			presented: shortChain,
			wantNext:  []string{u1, intermediate},
		},
		{
			name:      "leaf pinned",
			current:   []string{withColons(leaf)},
			presented: shortChain,
			wantNext:  []string{leaf, intermediate},
		},
		{
			name:      "uppercase top",
			current:   []string{strings.ToUpper(intermediate), u1},
			presented: shortChain,
			wantNext:  []string{intermediate, u1},
		},
		{
			name:        "five entries with one expired",
			current:     []string{u1, u2, expired, u3, u4},
			presented:   withExpired,
			wantNext:    []string{u1, u2, u3, u4, topThumbprint},
			wantDropped: []string{expired},
			wantReasons: []string{"which expired on " + expiredCA.Cert.NotAfter.UTC().Format(time.DateOnly)},
		},
		{
			name:        "five unknown entries",
			current:     []string{u1, u2, u3, u4, u5},
			presented:   shortChain,
			wantNext:    []string{u2, u3, u4, u5, intermediate},
			wantDropped: []string{u1},
			wantReasons: []string{"matches no certificate"},
		},
		{
			name:        "expired before unknown",
			current:     []string{u1, u2, u3, u4, expired},
			presented:   withExpired,
			wantNext:    []string{u1, u2, u3, u4, topThumbprint},
			wantDropped: []string{expired},
			wantReasons: []string{"expired"},
		},
		{
			name:        "six entries keep top",
			current:     []string{topThumbprint, u1, u2, u3, u4, u5},
			presented:   withExpired,
			wantNext:    []string{topThumbprint, u2, u3, u4, u5},
			wantDropped: []string{u1},
			wantReasons: []string{"matches no certificate"},
		},
		{
			name:        "expired top kept",
			current:     []string{expired, u1, u2, u3, u4, u5},
			presented:   []*x509.Certificate{c.leaf.Cert, expiredCA.Cert},
			wantNext:    []string{expired, u2, u3, u4, u5},
			wantDropped: []string{u1},
			wantReasons: []string{"matches no certificate"},
		},
		{
			name:        "seven entries drop two",
			current:     []string{u1, expired, u2, u3, u4, u5},
			presented:   withExpired,
			wantNext:    []string{u2, u3, u4, u5, topThumbprint},
			wantDropped: []string{expired, u1},
			wantReasons: []string{"expired", "matches no certificate"},
		},
		{
			name:        "valid presented entries drop leaf first",
			current:     []string{longThumbprints[3], longThumbprints[2], leaf, longThumbprints[1], longThumbprints[0]},
			presented:   longChain,
			wantNext:    []string{longThumbprints[3], longThumbprints[2], longThumbprints[1], longThumbprints[0], topThumbprint},
			wantDropped: []string{leaf},
			wantReasons: []string{"matches presented certificate 0"},
		},
		{
			name:        "invalid and duplicate entries",
			current:     []string{"not-a-thumbprint", intermediate, strings.ToUpper(intermediate)},
			presented:   shortChain,
			wantNext:    []string{intermediate},
			wantDropped: []string{"not-a-thumbprint", intermediate},
			wantReasons: []string{"invalid thumbprint", "duplicate"},
		},
		{
			name:      "nothing presented",
			current:   []string{u1, u2},
			presented: nil,
			wantNext:  []string{u1, u2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, dropped := Plan(tt.current, tt.presented, now)

			if !slices.Equal(next, tt.wantNext) {
				t.Errorf("Plan(%q) next = %q, want %q", tt.current, next, tt.wantNext)
			}
			if len(next) > MaxThumbprints {
				t.Errorf("Plan(%q) next has %d entries, want at most %d", tt.current, len(next), MaxThumbprints)
			}

			var gotDropped []string
			for _, d := range dropped {
				gotDropped = append(gotDropped, d.Thumbprint)
			}
			if !slices.Equal(gotDropped, tt.wantDropped) {
				t.Fatalf("Plan(%q) dropped = %q, want %q", tt.current, gotDropped, tt.wantDropped)
			}
			for i, d := range dropped {
				if !strings.Contains(d.Reason, tt.wantReasons[i]) {
					t.Errorf("Plan(%q) dropped[%d].Reason = %q, want it to contain %q", tt.current, i, d.Reason, tt.wantReasons[i])
				}
			}

			// Idempotence: planning the plan changes nothing and drops nothing.
			again, droppedAgain := Plan(next, tt.presented, now)
			if !slices.Equal(again, next) {
				t.Errorf("Plan(Plan(%q)) = %q, want %q", tt.current, again, next)
			}
			if len(droppedAgain) != 0 {
				t.Errorf("Plan(Plan(%q)) dropped %v, want nothing", tt.current, droppedAgain)
			}
		})
	}
}

func TestPlanDoesNotModifyInput(t *testing.T) {
	c := newTestChain(t)
	current := []string{strings.ToUpper(unknownThumbprint("a")), unknownThumbprint("b")}
	original := slices.Clone(current)

	Plan(current, []*x509.Certificate{c.leaf.Cert, c.intermediate.Cert}, time.Now())
	if !slices.Equal(current, original) {
		t.Errorf("Plan modified its input: %q, want %q", current, original)
	}
}

func TestTopIsLeaf(t *testing.T) {
	root := certgen.MustNew(certgen.Spec{CommonName: "root", IsCA: true}, nil)
	intermediate := certgen.MustNew(certgen.Spec{CommonName: "intermediate", IsCA: true}, root)
	leaf := certgen.MustNew(certgen.Spec{CommonName: "leaf", Hosts: []string{"127.0.0.1"}}, intermediate)
	selfSigned := certgen.MustNew(certgen.Spec{CommonName: "self", Hosts: []string{"127.0.0.1"}}, nil)

	tests := []struct {
		name      string
		presented []*x509.Certificate
		want      bool
	}{
		{name: "leaf and intermediate", presented: []*x509.Certificate{leaf.Cert, intermediate.Cert}, want: false},
		{name: "leaf alone", presented: []*x509.Certificate{leaf.Cert}, want: true},
		{name: "self-signed leaf", presented: []*x509.Certificate{selfSigned.Cert}, want: false},
		{name: "empty", presented: nil, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TopIsLeaf(tt.presented); got != tt.want {
				t.Errorf("TopIsLeaf(%s) = %t, want %t", tt.name, got, tt.want)
			}
		})
	}
}
