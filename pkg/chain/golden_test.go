package chain_test

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/chain"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/golden"
)

// goldenDir contains the chains written by `go run ./hack/gen-testdata`. The
// tests read the checked-in files and never regenerate them, because every
// run of the generator issues new keys and serial numbers.
var goldenDir = filepath.Join("..", "..", "testdata", "chains")

// loadGolden reads the golden file of goldenDir.
func loadGolden(t *testing.T) *golden.Chains {
	t.Helper()
	chains, err := golden.Load(goldenDir)
	if err != nil {
		t.Fatal(err)
	}

	return chains
}

// goldenPath returns the path of a file of a case.
func goldenPath(c golden.Case, file string) string {
	return filepath.Join(goldenDir, c.Name, file)
}

// readGoldenPEM reads a PEM file of a case and fails the test unless every
// block in it is a CERTIFICATE, because the test data must not contain
// private keys.
func readGoldenPEM(t *testing.T, c golden.Case, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(goldenPath(c, file))
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			t.Errorf("%s contains a %s block, want only CERTIFICATE blocks", file, block.Type)
		}
	}

	return data
}

// loadPresented parses the bundle that the server of c presents.
func loadPresented(t *testing.T, c golden.Case) []*x509.Certificate {
	t.Helper()
	certs, err := chain.ParsePEM(readGoldenPEM(t, c, c.Presented))
	if err != nil {
		t.Fatalf("ParsePEM(%s): %v", c.Presented, err)
	}

	return certs
}

func TestGoldenCertificates(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Cases {
		for _, file := range c.Files {
			t.Run(c.Name+"/"+file.Name, func(t *testing.T) {
				certs, err := chain.ParsePEM(readGoldenPEM(t, c, file.Name))
				if err != nil {
					t.Fatalf("ParsePEM: %v", err)
				}
				if len(certs) != len(file.Certificates) {
					t.Fatalf("ParsePEM returned %d certificates, golden.json lists %d", len(certs), len(file.Certificates))
				}

				for i, want := range file.Certificates {
					cert := certs[i]
					if want.Position != i {
						t.Errorf("golden certificate %d has position %d, want %d", i, want.Position, i)
					}
					if got := chain.Thumbprint(cert); got != want.Thumbprint {
						t.Errorf("certificate %d: Thumbprint = %s, want %s", i, got, want.Thumbprint)
					}
					if got := cert.Subject.String(); got != want.Subject {
						t.Errorf("certificate %d: subject = %q, want %q", i, got, want.Subject)
					}
					if got := cert.Issuer.String(); got != want.Issuer {
						t.Errorf("certificate %d: issuer = %q, want %q", i, got, want.Issuer)
					}
					if !cert.NotBefore.Equal(want.NotBefore) {
						t.Errorf("certificate %d: NotBefore = %s, want %s", i, cert.NotBefore, want.NotBefore)
					}
					if !cert.NotAfter.Equal(want.NotAfter) {
						t.Errorf("certificate %d: NotAfter = %s, want %s", i, cert.NotAfter, want.NotAfter)
					}
				}
			})
		}
	}
}

func TestGoldenThumbprintsMatchOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatalf("openssl, the independent oracle for thumbprints, is not on PATH: %v", err)
	}
	g := loadGolden(t)

	for _, c := range g.Cases {
		for _, file := range c.Files {
			t.Run(c.Name+"/"+file.Name, func(t *testing.T) {
				paths := singleCertificateFiles(t, goldenPath(c, file.Name), readGoldenPEM(t, c, file.Name))
				if len(paths) != len(file.Certificates) {
					t.Fatalf("%s has %d PEM blocks, golden.json lists %d certificates", file.Name, len(paths), len(file.Certificates))
				}
				for i, want := range file.Certificates {
					if got := opensslThumbprint(t, paths[i]); got != want.Thumbprint {
						t.Errorf("certificate %d: openssl thumbprint = %s, golden.json has %s", i, got, want.Thumbprint)
					}
				}
			})
		}
	}
}

// singleCertificateFiles returns one file per PEM block of data, in order.
// `openssl x509 -in` reads only the first certificate of a file, so a file
// with several blocks is split into temporary files, while a file with one
// block is returned as it is.
func singleCertificateFiles(t *testing.T, path string, data []byte) []string {
	t.Helper()
	var blocks []*pem.Block
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		blocks = append(blocks, block)
	}
	if len(blocks) == 1 {
		return []string{path}
	}

	dir := t.TempDir()
	paths := make([]string, 0, len(blocks))
	for i, block := range blocks {
		split := filepath.Join(dir, fmt.Sprintf("%s.%d.pem", filepath.Base(path), i))
		if err := os.WriteFile(split, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, split)
	}

	return paths
}

// opensslThumbprint returns the SHA-1 fingerprint that openssl computes for
// the first certificate of path, lowercased and without colons.
func opensslThumbprint(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("openssl", "x509", "-noout", "-fingerprint", "-sha1", "-in", path).Output()
	if err != nil {
		t.Fatalf("openssl x509 -fingerprint -sha1 -in %s: %v", path, err)
	}
	// OpenSSL 3 prints "sha1 Fingerprint=AB:CD:...", and 1.1 "SHA1 Fingerprint=AB:CD:...".
	_, fingerprint, ok := strings.Cut(strings.TrimSpace(string(out)), "=")
	if !ok {
		t.Fatalf("openssl output %q has no '='", out)
	}

	return strings.ToLower(strings.ReplaceAll(fingerprint, ":", ""))
}

func TestGoldenTop(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			presented := loadPresented(t, c)
			result := &chain.Result{Certificates: presented}

			top := result.Top()
			if top == nil {
				t.Fatal("Top returned nil")
			}
			if got := chain.Thumbprint(top); got != c.Top {
				t.Errorf("Thumbprint(Top()) = %s, want %s", got, c.Top)
			}
			if got := chain.TopIsLeaf(presented); got != c.TopIsLeaf {
				t.Errorf("TopIsLeaf = %t, want %t", got, c.TopIsLeaf)
			}
		})
	}
}

func TestGoldenPlan(t *testing.T) {
	g := loadGolden(t)
	planCases := 0
	for _, c := range g.Cases {
		if c.Plan == nil {
			continue
		}
		planCases++
		t.Run(c.Name, func(t *testing.T) {
			presented := loadPresented(t, c)
			want := make([]chain.Dropped, 0, len(c.Plan.Dropped))
			for _, d := range c.Plan.Dropped {
				want = append(want, chain.Dropped{Thumbprint: d.Thumbprint, Reason: d.Reason})
			}

			next, dropped := chain.Plan(c.Plan.Current, presented, g.Now)
			if !slices.Equal(next, c.Plan.Next) {
				t.Errorf("Plan list = %v, want %v", next, c.Plan.Next)
			}
			if !slices.Equal(dropped, want) {
				t.Errorf("Plan dropped = %+v, want %+v", dropped, want)
			}

			// Planning the new list again must change nothing.
			again, droppedAgain := chain.Plan(next, presented, g.Now)
			if !slices.Equal(again, next) {
				t.Errorf("second Plan list = %v, want %v", again, next)
			}
			if len(droppedAgain) != 0 {
				t.Errorf("second Plan dropped %+v, want nothing", droppedAgain)
			}
		})
	}
	if planCases == 0 {
		t.Error("golden.json has no case with a plan")
	}
}

// TestGoldenFilesListed checks that golden.json and the directory agree, so
// that a case or file left over from an earlier generator run fails.
func TestGoldenFilesListed(t *testing.T) {
	g := loadGolden(t)
	listed := make(map[string]bool)
	for _, c := range g.Cases {
		names := make([]string, 0, len(c.Files))
		for _, file := range c.Files {
			names = append(names, file.Name)
			listed[filepath.Join(c.Name, file.Name)] = true
		}
		if !slices.Contains(names, c.Presented) {
			t.Errorf("case %s: presented file %q is not among its files %v", c.Name, c.Presented, names)
		}
	}

	entries, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		if !entry.IsDir() {
			if entry.Name() != "golden.json" {
				t.Errorf("unexpected file %s in %s", entry.Name(), goldenDir)
			}
			continue
		}
		files, err := os.ReadDir(filepath.Join(goldenDir, entry.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			path := filepath.Join(entry.Name(), file.Name())
			if !listed[path] {
				t.Errorf("%s is not listed in golden.json; regenerate with go run ./hack/gen-testdata or remove it", path)
			}
			delete(listed, path)
		}
	}
	for path := range listed {
		t.Errorf("%s is listed in golden.json but missing from %s", path, goldenDir)
	}
}
