package chain

import (
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/certgen"
)

func TestThumbprintMatchesOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skipf("openssl not found, so there is no independent SHA-1 to compare with: %v", err)
	}
	c := newTestChain(t)
	other := certgen.MustNew(certgen.Spec{CommonName: "Other Root CA", IsCA: true}, nil)
	crossSigned, err := certgen.CrossSign(c.root, other)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		cert *certgen.Cert
	}{
		{name: "root", cert: c.root},
		{name: "intermediate", cert: c.intermediate},
		{name: "leaf", cert: c.leaf},
		{name: "cross-signed root", cert: crossSigned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cert.pem")
			if err := os.WriteFile(path, tt.cert.PEM(), 0o600); err != nil {
				t.Fatal(err)
			}
			output, err := exec.Command(openssl, "x509", "-noout", "-fingerprint", "-sha1", "-in", path).Output()
			if err != nil {
				t.Fatalf("openssl x509 -fingerprint -sha1: %v", err)
			}
			// The output is "SHA1 Fingerprint=AB:CD:..." (or "sha1 Fingerprint=" in OpenSSL 3).
			_, fingerprint, found := strings.Cut(strings.TrimSpace(string(output)), "=")
			if !found {
				t.Fatalf("openssl output = %q, want NAME=FINGERPRINT", output)
			}
			want, err := NormalizeThumbprint(fingerprint)
			if err != nil {
				t.Fatalf("NormalizeThumbprint(openssl output %q): %v", fingerprint, err)
			}

			if got := Thumbprint(tt.cert.Cert); got != want {
				t.Errorf("Thumbprint(%s) = %s, want %s (openssl)", tt.name, got, want)
			}
		})
	}
}

func TestThumbprintFormat(t *testing.T) {
	c := newTestChain(t)

	got := Thumbprint(c.leaf.Cert)
	if len(got) != 40 {
		t.Errorf("len(Thumbprint(leaf)) = %d, want 40", len(got))
	}
	if got != strings.ToLower(got) {
		t.Errorf("Thumbprint(leaf) = %s, want lowercase", got)
	}
	if normalized, err := NormalizeThumbprint(got); err != nil || normalized != got {
		t.Errorf("NormalizeThumbprint(Thumbprint(leaf)) = %q, %v, want %q, nil", normalized, err, got)
	}
}

func TestNormalizeThumbprint(t *testing.T) {
	const want = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string // substring of the error, empty for success
	}{
		{name: "lowercase", in: want, want: want},
		{name: "uppercase", in: "9E99A48A9960B14926BB7F3B02E22DA2B0AB7280", want: want},
		{name: "openssl colons", in: "9E:99:A4:8A:99:60:B1:49:26:BB:7F:3B:02:E2:2D:A2:B0:AB:72:80", want: want},
		{name: "spaces", in: " 9e99 a48a 9960 b149 26bb 7f3b 02e2 2da2 b0ab 7280 ", want: want},
		{name: "39 characters", in: want[:39], wantErr: "has 39 hex digits, want 40"},
		{name: "41 characters", in: want + "0", wantErr: "has 41 hex digits, want 40"},
		{name: "empty", in: "", wantErr: "has 0 hex digits, want 40"},
		{name: "non-hex letter", in: "g" + want[1:], wantErr: `'g' is not a hex digit`},
		{name: "algorithm prefix", in: "sha1:" + want, wantErr: `'s' is not a hex digit`},
		{name: "non-ASCII", in: "é" + want[2:], wantErr: `'é' is not a hex digit`},
		{name: "tab", in: "\t" + want, wantErr: `'\t' is not a hex digit`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeThumbprint(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NormalizeThumbprint(%q) = %q, %v, want an error containing %q", tt.in, got, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "invalid thumbprint "+strconv.Quote(tt.in)) {
					t.Errorf("NormalizeThumbprint(%q) error = %q, want it to name the input", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NormalizeThumbprint(%q) error = %v, want nil", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("NormalizeThumbprint(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	c := newTestChain(t)
	result := &Result{Certificates: []*x509.Certificate{c.leaf.Cert, c.intermediate.Cert}}
	leaf := Thumbprint(c.leaf.Cert)
	intermediate := Thumbprint(c.intermediate.Cert)
	root := Thumbprint(c.root.Cert)

	tests := []struct {
		name string
		in   []string
		want map[string]int
	}{
		{name: "top", in: []string{intermediate}, want: map[string]int{intermediate: 1}},
		{name: "leaf uppercase", in: []string{strings.ToUpper(leaf)}, want: map[string]int{leaf: 0}},
		{name: "colons", in: []string{withColons(intermediate)}, want: map[string]int{intermediate: 1}},
		{name: "both", in: []string{leaf, intermediate}, want: map[string]int{leaf: 0, intermediate: 1}},
		{name: "root not presented", in: []string{root}, want: map[string]int{}},
		{name: "invalid entry", in: []string{"not-a-thumbprint", intermediate}, want: map[string]int{intermediate: 1}},
		{name: "empty list", in: nil, want: map[string]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := result.Match(tt.in)
			if len(got) != len(tt.want) {
				t.Errorf("Match(%q) = %v, want %v", tt.in, got, tt.want)
			}
			for thumbprint, position := range tt.want {
				if gotPosition, ok := got[thumbprint]; !ok || gotPosition != position {
					t.Errorf("Match(%q)[%s] = %d, %v, want %d, true", tt.in, thumbprint, gotPosition, ok, position)
				}
			}
		})
	}
}

func TestTopEmpty(t *testing.T) {
	if got := (&Result{}).Top(); got != nil {
		t.Errorf("Result{}.Top() = %v, want nil", got.Subject)
	}
}

func BenchmarkThumbprint(b *testing.B) {
	c := newTestChain(b)
	for b.Loop() {
		Thumbprint(c.leaf.Cert)
	}
}

// withColons formats a thumbprint as openssl prints it: uppercase pairs
// joined by colons.
func withColons(thumbprint string) string {
	var pairs []string
	for i := 0; i < len(thumbprint); i += 2 {
		pairs = append(pairs, strings.ToUpper(thumbprint[i:i+2]))
	}
	return strings.Join(pairs, ":")
}
