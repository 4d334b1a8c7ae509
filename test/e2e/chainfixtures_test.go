package e2e

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/certgen"
)

// presentIssuerChain makes the issuer server present leaf followed by chain
// until the test ends, then restores the default leaf and intermediate.
func presentIssuerChain(t *testing.T, leaf *certgen.Cert, chain ...*certgen.Cert) {
	t.Helper()
	env.SetIssuerCertificate(certgen.TLSCertificate(leaf, chain...))
	t.Cleanup(func() {
		env.SetIssuerCertificate(certgen.TLSCertificate(env.IssuerLeaf, env.IssuerIntermediate))
	})
}

// newCA issues a CA certificate signed by parent, or a self-signed root
// when parent is nil, valid from one hour ago until notAfter. A zero
// notAfter means one year from now.
func newCA(t *testing.T, commonName string, parent *certgen.Cert, notAfter time.Time) *certgen.Cert {
	t.Helper()
	cert, err := certgen.New(certgen.Spec{CommonName: commonName, IsCA: true, NotAfter: notAfter}, parent)
	if err != nil {
		t.Fatalf("issue CA %q: %v", commonName, err)
	}

	return cert
}

// newLoopbackLeaf issues a serving certificate for 127.0.0.1 and localhost,
// signed by parent or self-signed when parent is nil.
func newLoopbackLeaf(t *testing.T, commonName string, parent *certgen.Cert, notBefore, notAfter time.Time) *certgen.Cert {
	t.Helper()
	spec := certgen.Spec{
		CommonName: commonName,
		Hosts:      []string{"127.0.0.1", "localhost"},
		NotBefore:  notBefore,
		NotAfter:   notAfter,
	}
	cert, err := certgen.New(spec, parent)
	if err != nil {
		t.Fatalf("issue leaf %q: %v", commonName, err)
	}

	return cert
}

// issuerHost returns the host:port of the issuer server, as the report
// names it.
func issuerHost(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(env.Issuer)
	if err != nil {
		t.Fatalf("parse issuer URL %q: %v", env.Issuer, err)
	}

	return u.Host
}

// startJWKSHost starts an HTTPS server on 127.0.0.1 that presents
// certificate and serves the cluster's JWKS at /keys, and returns the JWKS
// URI. configure, when not nil, adjusts the TLS configuration, for example
// its minimum version. The server stops when the test ends.
func startJWKSHost(t *testing.T, certificate tls.Certificate, configure func(*tls.Config)) string {
	t.Helper()
	jwks := env.ClusterJWKS()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwks)
	})

	srv := httptest.NewUnstartedServer(mux)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{certificate}, MinVersion: tls.VersionTLS12}
	if configure != nil {
		configure(srv.TLS)
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") {
		t.Fatalf("JWKS host URL = %s, want https://127.0.0.1:<port>", srv.URL)
	}

	return srv.URL + "/keys"
}

// serveDiscoveryWithJWKSURI makes the issuer server publish a discovery
// document whose jwks_uri is jwksURI, until the test ends.
func serveDiscoveryWithJWKSURI(t *testing.T, jwksURI string) {
	t.Helper()
	document, err := json.Marshal(map[string]any{
		"issuer":                                env.Issuer,
		"jwks_uri":                              jwksURI,
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+issuerPath+"/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(document)
	})
	serveIssuer(t, mux)
}

// diagnoseNamespace runs "diagnose -n namespace -o json" with extraEnv
// added to the plugin's environment and decodes the report.
func diagnoseNamespace(t *testing.T, namespace string, extraEnv ...string) (result, report.Report) {
	t.Helper()
	res := runPluginEnv(t, extraEnv, "diagnose", "-n", namespace, "-o", "json")

	return res, decodeReport(t, res)
}

// thumbprintList returns the entries that follow --thumbprint-list in an
// update-open-id-connect-provider-thumbprint command.
func thumbprintList(t *testing.T, fix string) []string {
	t.Helper()
	fields := strings.Fields(fix)
	for i, field := range fields {
		if field != "--thumbprint-list" {
			continue
		}
		var entries []string
		for _, entry := range fields[i+1:] {
			if strings.HasPrefix(entry, "--") {
				break
			}
			entries = append(entries, entry)
		}
		return entries
	}
	t.Fatalf("fix %q has no --thumbprint-list", fix)

	return nil
}

// evidenceWith returns the first evidence line of f that contains every
// one of parts, and whether there is one.
func evidenceWith(f report.Finding, parts ...string) (string, bool) {
	for _, line := range f.Evidence {
		if containsAll(line, parts) {
			return line, true
		}
	}

	return "", false
}

// findingWith returns the first finding of check and severity, and whether
// there is one.
func findingWith(r report.Report, check report.Check, severity report.Severity) (report.Finding, bool) {
	for _, f := range findings(r, check) {
		if f.Severity == severity {
			return f, true
		}
	}

	return report.Finding{}, false
}

// checkPresented compares the chain's certificates, leaf first, with want,
// by openssl's thumbprints.
func checkPresented(t *testing.T, c *report.Chain, want ...*certgen.Cert) {
	t.Helper()
	if c == nil {
		t.Fatalf("chain = nil, want %d presented certificates", len(want))
	}
	if len(c.Certificates) != len(want) {
		t.Fatalf("presented certificates = %d, want %d", len(c.Certificates), len(want))
	}
	for i, cert := range want {
		if got, wantThumbprint := c.Certificates[i].Thumbprint, opensslThumbprint(t, cert); got != wantThumbprint {
			t.Errorf("certificate %d thumbprint = %s, want %s (openssl, %s)", i, got, wantThumbprint, cert.Cert.Subject)
		}
	}
}

// checkExitCode compares the exit code with want and with the code that
// the report's verdict implies.
func checkExitCode(t *testing.T, res result, r report.Report, want int) {
	t.Helper()
	if res.code != want {
		t.Errorf("exit code = %d, want %d\nstderr: %s", res.code, want, res.stderr)
	}
	if implied := report.ExitCode(r.Verdict); res.code != implied {
		t.Errorf("exit code = %d, want %d, the code of verdict %q", res.code, implied, r.Verdict)
	}
}
