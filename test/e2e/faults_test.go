package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
)

// serveIssuer replaces the issuer server's handler for one test.
func serveIssuer(t *testing.T, h http.Handler) {
	t.Helper()
	env.SetIssuerHandler(h)
	t.Cleanup(func() { env.SetIssuerHandler(nil) })
}

func discoveryHandler(jwks func(w http.ResponseWriter)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(issuerPath+"/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"issuer": env.Issuer, "jwks_uri": env.Issuer + "/keys"})
	})
	mux.HandleFunc(issuerPath+"/keys", func(w http.ResponseWriter, r *http.Request) { jwks(w) })

	return mux
}

func TestDiagnosePublicJWKSLacksClusterKey(t *testing.T) {
	requireEnv(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "rotated-away", Algorithm: "RS256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	serveIssuer(t, discoveryHandler(func(w http.ResponseWriter) { w.Write(other) }))
	top := opensslThumbprint(t, env.IssuerIntermediate)
	createProvider(t, []string{sts}, []string{top})
	namespace := irsaWorkload(t, nil)

	res := runPlugin(t, "diagnose", "-n", namespace, "-o", "json")
	r := decodeReport(t, res)

	if res.code != 1 {
		t.Errorf("exit code = %d, want 1\nstderr: %s", res.code, res.stderr)
	}
	f := only(t, r, report.CheckJWKS)
	if f.Severity != report.Failure {
		t.Errorf("jwks severity = %q, want failure", f.Severity)
	}
	if len(r.Issuer.ClusterKeyIDs) != 1 || !strings.Contains(strings.Join(f.Evidence, "\n"), r.Issuer.ClusterKeyIDs[0]) {
		t.Errorf("jwks evidence %q does not name the cluster key %v", f.Evidence, r.Issuer.ClusterKeyIDs)
	}
}

func TestDiagnoseDiscoveryFaults(t *testing.T) {
	requireEnv(t)
	top := opensslThumbprint(t, env.IssuerIntermediate)
	createProvider(t, []string{sts}, []string{top})
	namespace := irsaWorkload(t, nil)

	tests := []struct {
		name    string
		handler http.HandlerFunc
		args    []string
		want    string
		// local is true when the fault is this tool's own limit, a timeout
		// or the size bound, so the check could not run: severity error.
		local bool
	}{
		{
			name:    "server error",
			handler: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) },
			want:    "500",
		},
		{
			name:    "not JSON",
			handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>login</html>")) },
			want:    "invalid discovery document",
		},
		{
			name: "huge document",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"issuer":"` + strings.Repeat("a", 5<<20) + `"}`))
			},
			want:  "larger than",
			local: true,
		},
		{
			name: "wrong issuer",
			handler: func(w http.ResponseWriter, r *http.Request) {
				json.NewEncoder(w).Encode(map[string]string{"issuer": "https://elsewhere.example", "jwks_uri": env.Issuer + "/keys"})
			},
			want: "https://elsewhere.example",
		},
		{
			name: "slow server",
			handler: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(30 * time.Second):
				}
			},
			args:  []string{"--request-timeout", "2s"},
			want:  "deadline exceeded",
			local: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serveIssuer(t, tt.handler)

			args := append([]string{"diagnose", "-n", namespace, "-o", "json"}, tt.args...)
			res := runPlugin(t, args...)
			r := decodeReport(t, res)

			wantCode, wantSeverity := 1, report.Failure
			if tt.local {
				wantCode, wantSeverity = 2, report.Error
			}
			if res.code != wantCode {
				t.Errorf("exit code = %d, want %d\nstderr: %s", res.code, wantCode, res.stderr)
			}
			f := only(t, r, report.CheckDiscovery)
			if f.Severity != wantSeverity {
				t.Errorf("discovery severity = %q, want %q", f.Severity, wantSeverity)
			}
			if evidence := strings.Join(f.Evidence, "\n"); !strings.Contains(evidence, tt.want) {
				t.Errorf("discovery evidence = %q, want it to contain %q", evidence, tt.want)
			}
		})
	}
}

func TestDiagnoseInvalidInput(t *testing.T) {
	requireEnv(t)
	garbage := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(garbage, []byte("{not yaml: ["), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "output format", args: []string{"-o", "xml"}, want: "allowed values are text, json, yaml"},
		{name: "http issuer", args: []string{"--issuer", "http://127.0.0.1/x"}, want: "scheme must be https"},
		{name: "missing trusted CA file", args: []string{"--aws-trusted-ca-file", "/nonexistent/ca.pem"}, want: "--aws-trusted-ca-file"},
		{name: "broken kubeconfig", args: []string{"--kubeconfig", garbage}, want: garbage},
		{name: "request timeout", args: []string{"--request-timeout", "soon"}, want: "request-timeout"},
		{name: "unknown flag", args: []string{"--thumbprint-everything"}, want: "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runPlugin(t, append([]string{"diagnose"}, tt.args...)...)

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
