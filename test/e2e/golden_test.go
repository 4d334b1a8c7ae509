package e2e

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/cmd"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/golden"
)

// loadGoldenChains reads testdata/chains/golden.json and returns it with
// the chains directory. The files come from `go run ./hack/gen-testdata`
// and are checked in; pkg/chain's golden tests check them against openssl.
func loadGoldenChains(t *testing.T) (*golden.Chains, string) {
	t.Helper()
	dir := filepath.Join(repoRoot(), "testdata", "chains")
	chains, err := golden.Load(dir)
	if err != nil {
		t.Fatal(err)
	}

	return chains, dir
}

// goldenPresented returns the golden certificates of the presented file of
// a case, and fails the test when golden.json lists none.
func goldenPresented(t *testing.T, c golden.Case) []golden.Certificate {
	t.Helper()
	certs, err := c.PresentedCertificates()
	if err != nil {
		t.Fatal(err)
	}

	return certs
}

func TestGoldenThumbprintFromCertFile(t *testing.T) {
	requireEnv(t)
	g, dir := loadGoldenChains(t)

	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			path := filepath.Join(dir, c.Name, c.Presented)
			res := runPlugin(t, "thumbprint", "--cert-file", path)

			if res.code != 0 {
				t.Errorf("exit code = %d, want 0\nstderr: %s", res.code, res.stderr)
			}
			if res.stdout != c.Top+"\n" {
				t.Errorf("stdout = %q, want the golden top thumbprint %q", res.stdout, c.Top+"\n")
			}
			if res.stderr != "" {
				t.Errorf("stderr = %q, want nothing", res.stderr)
			}
		})
	}
}

func TestGoldenThumbprintFromCertFileAsJSON(t *testing.T) {
	requireEnv(t)
	g, dir := loadGoldenChains(t)

	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			path := filepath.Join(dir, c.Name, c.Presented)
			res := runPlugin(t, "thumbprint", "--cert-file", path, "-o", "json")

			if res.code != 0 {
				t.Fatalf("exit code = %d, want 0\nstderr: %s", res.code, res.stderr)
			}
			var got cmd.ThumbprintResult
			if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, res.stdout)
			}
			if got.Thumbprint != c.Top {
				t.Errorf("thumbprint = %s, want the golden top thumbprint %s", got.Thumbprint, c.Top)
			}
			if got.Source != path {
				t.Errorf("source = %q, want %q", got.Source, path)
			}
			if got.Chain == nil {
				t.Fatal("chain is missing")
			}

			want := goldenPresented(t, c)
			if len(got.Chain.Certificates) != len(want) {
				t.Fatalf("chain has %d certificates, golden.json lists %d", len(got.Chain.Certificates), len(want))
			}
			for i, cert := range got.Chain.Certificates {
				if cert.Position != want[i].Position {
					t.Errorf("certificate %d: position = %d, want %d", i, cert.Position, want[i].Position)
				}
				if cert.Thumbprint != want[i].Thumbprint {
					t.Errorf("certificate %d: thumbprint = %s, want %s", i, cert.Thumbprint, want[i].Thumbprint)
				}
				if cert.Subject != want[i].Subject {
					t.Errorf("certificate %d: subject = %q, want %q", i, cert.Subject, want[i].Subject)
				}
			}
			if last := want[len(want)-1].Thumbprint; last != c.Top {
				t.Errorf("golden.json: top %s is not the thumbprint %s of the last presented certificate", c.Top, last)
			}
		})
	}
}
