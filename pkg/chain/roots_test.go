package chain

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/certgen"
	"golang.org/x/crypto/x509roots/fallback/bundle"
)

func TestParsePEM(t *testing.T) {
	c := newTestChain(t)
	keyPEM, err := c.leaf.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	corrupt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER")})

	tests := []struct {
		name    string
		in      []byte
		want    []*certgen.Cert
		wantErr string // substring of the error, empty for success
	}{
		{name: "one certificate", in: c.root.PEM(), want: []*certgen.Cert{c.root}},
		{name: "bundle keeps order", in: certgen.Bundle(c.leaf, c.intermediate, c.root), want: []*certgen.Cert{c.leaf, c.intermediate, c.root}},
		{
			name: "text between blocks",
			in:   slices.Concat([]byte("# Test Root CA\n"), c.root.PEM(), []byte("\n# Test Intermediate CA\n"), c.intermediate.PEM(), []byte("trailing text\n")),
			want: []*certgen.Cert{c.root, c.intermediate},
		},
		{name: "key block skipped", in: slices.Concat(c.leaf.PEM(), keyPEM), want: []*certgen.Cert{c.leaf}},
		{name: "empty", in: nil, wantErr: "PEM input is empty"},
		{name: "whitespace", in: []byte(" \n\t\n"), wantErr: "PEM input is empty"},
		{name: "garbage", in: []byte("this is not PEM"), wantErr: "no PEM block found"},
		{name: "key only", in: keyPEM, wantErr: "no CERTIFICATE block found, only PRIVATE KEY"},
		{name: "corrupt certificate at index 1", in: slices.Concat(c.root.PEM(), corrupt), wantErr: "PEM block 1 (CERTIFICATE)"},
		{name: "corrupt after key block", in: slices.Concat(keyPEM, c.root.PEM(), corrupt), wantErr: "PEM block 2 (CERTIFICATE)"},
		{name: "over 4 MiB", in: slices.Concat(c.root.PEM(), bytes.Repeat([]byte("\n"), MaxPEMSize)), wantErr: "larger than the 4 MiB limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePEM(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParsePEM(%s) = %d certificates, %v, want an error containing %q", tt.name, len(got), err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePEM(%s) error = %v, want nil", tt.name, err)
			}
			if !slices.Equal(thumbprintsOf(got), thumbprintsOf(certsOf(tt.want))) {
				t.Errorf("ParsePEM(%s) = %v, want %v", tt.name, subjectsOf(got), subjectsOf(certsOf(tt.want)))
			}
		})
	}
}

func TestParsePEMAtLimit(t *testing.T) {
	c := newTestChain(t)
	in := c.root.PEM()
	in = append(in, bytes.Repeat([]byte("\n"), MaxPEMSize-len(in))...)

	got, err := ParsePEM(in)
	if err != nil || len(got) != 1 {
		t.Errorf("ParsePEM(%d bytes) = %d certificates, %v, want 1, nil", len(in), len(got), err)
	}
}

func TestLoadRoots(t *testing.T) {
	c := newTestChain(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bundlePath := write("ca.pem", certgen.Bundle(c.root))
	emptyPath := write("empty.pem", nil)
	garbagePath := write("garbage.pem", []byte("not PEM"))
	largePath := write("large.pem", bytes.Repeat([]byte("#"), MaxPEMSize+10))
	missingPath := filepath.Join(dir, "missing.pem")

	t.Run("verifies chain", func(t *testing.T) {
		pool, err := LoadRoots(bundlePath)
		if err != nil {
			t.Fatalf("LoadRoots(%s) error = %v, want nil", bundlePath, err)
		}
		_, err = verifyChain([]*x509.Certificate{c.leaf.Cert, c.intermediate.Cert}, pool, "issuer.test", c.leaf.Cert.NotBefore.Add(1))
		if err != nil {
			t.Errorf("verify leaf with LoadRoots(%s) = %v, want nil", bundlePath, err)
		}
	})

	tests := []struct {
		name    string
		path    string
		wantErr string
	}{
		{name: "missing file", path: missingPath, wantErr: "no such file"},
		{name: "empty file", path: emptyPath, wantErr: "PEM input is empty"},
		{name: "no certificate", path: garbagePath, wantErr: "no PEM block found"},
		{name: "over limit", path: largePath, wantErr: "larger than the 4 MiB limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadRoots(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadRoots(%s) error = %v, want an error containing %q", tt.path, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.path) {
				t.Errorf("LoadRoots(%s) error = %q, want it to name the file", tt.path, err)
			}
		})
	}
}

func TestPublicRoots(t *testing.T) {
	pool := PublicRoots()
	if pool == nil {
		t.Fatal("PublicRoots() = nil, want Mozilla's roots")
	}
	if again := PublicRoots(); again != pool {
		t.Errorf("PublicRoots() returned a new pool on the second call, want the cached one")
	}

	// Every root in the bundle is its own trust anchor in the pool.
	count := 0
	for root := range bundle.Roots() {
		count++
		cert, err := x509.ParseCertificate(root.Certificate)
		if err != nil {
			t.Fatalf("parse bundle root: %v", err)
		}
		if root.Constraint != nil {
			continue
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: cert.NotBefore.Add(1)}); err != nil {
			t.Errorf("verify root %q with PublicRoots() = %v, want nil", cert.Subject, err)
		}
	}
	if count < 100 {
		t.Errorf("bundle.Roots() yielded %d roots, want Mozilla's set of over 100", count)
	}

	c := newTestChain(t)
	_, err := verifyChain([]*x509.Certificate{c.leaf.Cert, c.intermediate.Cert}, pool, "issuer.test", c.leaf.Cert.NotBefore.Add(1))
	if err == nil {
		t.Errorf("verify test chain with PublicRoots() = nil, want an unknown authority error")
	}
}

func FuzzParsePEM(f *testing.F) {
	c := newTestChain(f)
	keyPEM, err := c.leaf.KeyPEM()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(certgen.Bundle(c.leaf, c.intermediate, c.root))
	f.Add(keyPEM)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("garbage"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := ParsePEM(data)
		if err != nil {
			if certs != nil {
				t.Errorf("ParsePEM(%q) = %d certificates and error %v, want nil certificates with an error", data, len(certs), err)
			}
			return
		}
		if len(certs) == 0 {
			t.Errorf("ParsePEM(%q) = no certificates and no error, want an error", data)
		}
		for i, cert := range certs {
			if cert == nil {
				t.Errorf("ParsePEM(%q)[%d] = nil, want a certificate", data, i)
			}
		}
	})
}
