package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/cmd"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/certgen"
)

func TestThumbprintOfClusterIssuer(t *testing.T) {
	requireEnv(t)
	want := opensslThumbprint(t, env.IssuerIntermediate)

	res := runPlugin(t, "thumbprint")

	if res.code != 0 {
		t.Errorf("exit code = %d, want 0\nstderr: %s", res.code, res.stderr)
	}
	if res.stdout != want+"\n" {
		t.Errorf("stdout = %q, want %q (openssl)", res.stdout, want+"\n")
	}
	if res.stderr != "" {
		t.Errorf("stderr = %q, want nothing", res.stderr)
	}
}

func TestThumbprintChainAsJSON(t *testing.T) {
	requireEnv(t)

	res := runPlugin(t, "thumbprint", "--context", "viewer", "--issuer", env.Issuer, "-o", "json")

	if res.code != 0 {
		t.Fatalf("exit code = %d, want 0\nstderr: %s", res.code, res.stderr)
	}
	var got cmd.ThumbprintResult
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, res.stdout)
	}
	if got.Source != env.Issuer+"/keys" {
		t.Errorf("source = %q, want the JWKS URI %s", got.Source, env.Issuer+"/keys")
	}
	presented := []*certgen.Cert{env.IssuerLeaf, env.IssuerIntermediate}
	if len(got.Chain.Certificates) != len(presented) {
		t.Fatalf("chain has %d certificates, want %d", len(got.Chain.Certificates), len(presented))
	}
	for i, cert := range presented {
		want := opensslThumbprint(t, cert)
		if c := got.Chain.Certificates[i]; c.Position != i || c.Thumbprint != want {
			t.Errorf("certificate %d = position %d thumbprint %s, want position %d thumbprint %s (openssl)", i, c.Position, c.Thumbprint, i, want)
		}
	}
	if got.Thumbprint != opensslThumbprint(t, env.IssuerIntermediate) {
		t.Errorf("thumbprint = %s, want the top certificate's", got.Thumbprint)
	}
}

func TestThumbprintFromCertFile(t *testing.T) {
	requireEnv(t)
	bundle := writePEM(t, certgen.Bundle(env.IssuerLeaf, env.IssuerIntermediate, env.IssuerCA))
	want := opensslThumbprint(t, env.IssuerCA)

	res := runPlugin(t, "thumbprint", "--cert-file", bundle)

	if res.code != 0 {
		t.Errorf("exit code = %d, want 0\nstderr: %s", res.code, res.stderr)
	}
	if strings.TrimSpace(res.stdout) != want {
		t.Errorf("stdout = %q, want the last certificate's thumbprint %s (openssl)", res.stdout, want)
	}
}

func TestThumbprintInvalidInput(t *testing.T) {
	requireEnv(t)
	garbage := writePEM(t, []byte("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"))

	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "garbage PEM", args: []string{"--cert-file", garbage}, want: garbage},
		{name: "missing file", args: []string{"--cert-file", "/nonexistent.pem"}, want: "--cert-file"},
		{name: "both sources", args: []string{"--cert-file", garbage, "--issuer", env.Issuer}, want: "cannot be used together"},
		{name: "viewer without issuer", args: []string{"--context", "viewer"}, want: "system:service-account-issuer-discovery"},
		{name: "output format", args: []string{"-o", "yaml"}, want: "allowed values are json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runPlugin(t, append([]string{"thumbprint"}, tt.args...)...)

			if res.code == 0 {
				t.Errorf("exit code = 0, want non-zero")
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", res.stderr, tt.want)
			}
			if res.stdout != "" {
				t.Errorf("stdout = %q, want nothing", res.stdout)
			}
		})
	}
}
