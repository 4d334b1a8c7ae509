package e2e

import (
	"crypto/tls"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/certgen"
)

// These tests change the chain that the issuer server presents and judge
// the thumbprint and chain findings of diagnose against openssl's
// thumbprints. IAM compares its thumbprints only with the certificates that
// the JWKS host presents, and expects the top one.

func TestChainLeafPinned(t *testing.T) {
	requireEnv(t)
	leaf := newLoopbackLeaf(t, "127.0.0.1", env.IssuerIntermediate, time.Time{}, time.Time{})
	presentIssuerChain(t, leaf, env.IssuerIntermediate)
	leafThumbprint := opensslThumbprint(t, leaf)
	topThumbprint := opensslThumbprint(t, env.IssuerIntermediate)
	createProvider(t, []string{sts}, []string{leafThumbprint})
	namespace := irsaWorkload(t, nil)

	res, r := diagnoseNamespace(t, namespace)

	checkExitCode(t, res, r, 0)
	if r.Verdict != report.Warning {
		t.Errorf("verdict = %q, want %q", r.Verdict, report.Warning)
	}
	checkPresented(t, r.Chain, leaf, env.IssuerIntermediate)
	f := only(t, r, report.CheckThumbprint)
	if f.Severity != report.Warning {
		t.Errorf("thumbprint severity = %q, want %q", f.Severity, report.Warning)
	}
	if !strings.Contains(f.Summary, "leaf certificate (position 0)") {
		t.Errorf("thumbprint summary = %q, want it to name the leaf certificate (position 0)", f.Summary)
	}
	if got, want := thumbprintList(t, f.Fix), []string{leafThumbprint, topThumbprint}; !slices.Equal(got, want) {
		t.Errorf("fix thumbprint list = %v, want %v (the pinned leaf, then the top certificate)", got, want)
	}
	if !r.Chain.Certificates[0].InIAM {
		t.Errorf("leaf inIAM = false, want true")
	}
	if r.Chain.Certificates[1].InIAM {
		t.Errorf("top inIAM = true, want false")
	}

	printed := runPlugin(t, "thumbprint")
	if printed.code != 0 {
		t.Errorf("thumbprint exit code = %d, want 0\nstderr: %s", printed.code, printed.stderr)
	}
	if printed.stdout != topThumbprint+"\n" {
		t.Errorf("thumbprint stdout = %q, want %q (openssl, top certificate)", printed.stdout, topThumbprint+"\n")
	}
}

// TestChainIntermediatePinned pins an intermediate that the server presents
// below the top certificate: leaf, intermediate 2, intermediate 1.
func TestChainIntermediatePinned(t *testing.T) {
	requireEnv(t)
	first := newCA(t, "oidc-thumbprint test intermediate 1", env.IssuerCA, time.Time{})
	second := newCA(t, "oidc-thumbprint test intermediate 2", first, time.Time{})
	leaf := newLoopbackLeaf(t, "127.0.0.1", second, time.Time{}, time.Time{})
	presentIssuerChain(t, leaf, second, first)
	createProvider(t, []string{sts}, []string{opensslThumbprint(t, second)})
	namespace := irsaWorkload(t, nil)

	res, r := diagnoseNamespace(t, namespace)

	checkExitCode(t, res, r, 0)
	if r.Verdict != report.OK {
		t.Errorf("verdict = %q, want %q", r.Verdict, report.OK)
	}
	checkPresented(t, r.Chain, leaf, second, first)
	if !r.Chain.ThumbprintEnforced {
		t.Errorf("thumbprintEnforced = false, want true for a private CA")
	}
	f := only(t, r, report.CheckThumbprint)
	if f.Severity != report.OK {
		t.Errorf("thumbprint severity = %q, want %q", f.Severity, report.OK)
	}
	if !strings.Contains(f.Summary, "position 1") {
		t.Errorf("thumbprint summary = %q, want it to name position 1", f.Summary)
	}
	for i, want := range []bool{false, true, false} {
		if got := r.Chain.Certificates[i].InIAM; got != want {
			t.Errorf("certificate %d inIAM = %t, want %t", i, got, want)
		}
	}
}

// TestChainCrossSignedRoot presents a root R2 cross-signed by an older root
// R1 as the top certificate, while the provider has the thumbprint of R2's
// self-signed form, which the server never sends. Both forms share subject
// and key but differ in DER bytes, so their thumbprints differ.
func TestChainCrossSignedRoot(t *testing.T) {
	requireEnv(t)
	oldRoot := newCA(t, "oidc-thumbprint test root R1", nil, time.Time{})
	newRoot := newCA(t, "oidc-thumbprint test root R2", nil, time.Time{})
	crossSigned, err := certgen.CrossSign(newRoot, oldRoot)
	if err != nil {
		t.Fatal(err)
	}
	intermediate := newCA(t, "oidc-thumbprint test intermediate under R2", newRoot, time.Time{})
	leaf := newLoopbackLeaf(t, "127.0.0.1", intermediate, time.Time{}, time.Time{})
	presentIssuerChain(t, leaf, intermediate, crossSigned)
	selfSignedThumbprint := opensslThumbprint(t, newRoot)
	crossSignedThumbprint := opensslThumbprint(t, crossSigned)
	if selfSignedThumbprint == crossSignedThumbprint {
		t.Fatalf("self-signed and cross-signed R2 have the same thumbprint %s, want different ones", selfSignedThumbprint)
	}
	createProvider(t, []string{sts}, []string{selfSignedThumbprint})
	namespace := irsaWorkload(t, nil)

	res, r := diagnoseNamespace(t, namespace)

	checkExitCode(t, res, r, 1)
	checkPresented(t, r.Chain, leaf, intermediate, crossSigned)
	if !r.Chain.ThumbprintEnforced {
		t.Errorf("thumbprintEnforced = false, want true for a private CA")
	}
	if got, want := r.Chain.Certificates[2].Issuer, oldRoot.Cert.Subject.String(); got != want {
		t.Errorf("top certificate issuer = %q, want %q (the older root)", got, want)
	}
	f := only(t, r, report.CheckThumbprint)
	if f.Severity != report.Failure {
		t.Errorf("thumbprint severity = %q, want %q", f.Severity, report.Failure)
	}
	if _, ok := evidenceWith(f, "IAM thumbprints", selfSignedThumbprint); !ok {
		t.Errorf("thumbprint evidence = %q, want a line with IAM's thumbprint %s (self-signed R2)", f.Evidence, selfSignedThumbprint)
	}
	if _, ok := evidenceWith(f, "top presented certificate", "position 2", crossSignedThumbprint); !ok {
		t.Errorf("thumbprint evidence = %q, want a line with the top certificate at position 2, %s (cross-signed R2)", f.Evidence, crossSignedThumbprint)
	}
	if got, want := thumbprintList(t, f.Fix), []string{selfSignedThumbprint, crossSignedThumbprint}; !slices.Equal(got, want) {
		t.Errorf("fix thumbprint list = %v, want %v (the current entry, then the cross-signed top)", got, want)
	}

	// With R2 among the trusted CAs the chain verifies up to the self-signed
	// R2, which the server never sends: the report names it and that IAM
	// holds its thumbprint.
	trusted := writePEM(t, newRoot.PEM())
	res = runPlugin(t, "diagnose", "-n", namespace, "-o", "json", "--aws-trusted-ca-file", trusted)
	r = decodeReport(t, res)
	f = only(t, r, report.CheckThumbprint)
	if _, ok := evidenceWith(f, "verifies up to the root", selfSignedThumbprint); !ok {
		t.Errorf("trusted R2: thumbprint evidence = %q, want the self-signed root %s that the server does not send", f.Evidence, selfSignedThumbprint)
	}
	if _, ok := evidenceWith(f, "IAM holds", selfSignedThumbprint, "another form"); !ok {
		t.Errorf("trusted R2: thumbprint evidence = %q, want a line saying IAM holds the self-signed form", f.Evidence)
	}
}

// TestChainJWKSOnOtherHost publishes a jwks_uri on a second server with its
// own root. STS fetches the keys there, so only that host's chain counts.
func TestChainJWKSOnOtherHost(t *testing.T) {
	requireEnv(t)
	root := newCA(t, "oidc-thumbprint test JWKS host root", nil, time.Time{})
	intermediate := newCA(t, "oidc-thumbprint test JWKS host intermediate", root, time.Time{})
	leaf := newLoopbackLeaf(t, "127.0.0.1", intermediate, time.Time{}, time.Time{})
	jwksURI := startJWKSHost(t, certgen.TLSCertificate(leaf, intermediate), nil)
	jwksHost := strings.TrimSuffix(strings.TrimPrefix(jwksURI, "https://"), "/keys")
	serveDiscoveryWithJWKSURI(t, jwksURI)
	presentIssuerChain(t, env.IssuerLeaf, env.IssuerIntermediate)
	issuerTop := opensslThumbprint(t, env.IssuerIntermediate)
	jwksTop := opensslThumbprint(t, intermediate)
	namespace := irsaWorkload(t, nil)

	t.Run("issuer host thumbprint", func(t *testing.T) {
		createProvider(t, []string{sts}, []string{issuerTop})

		res, r := diagnoseNamespace(t, namespace)

		checkExitCode(t, res, r, 1)
		if r.Issuer.JWKSURI != jwksURI {
			t.Errorf("jwksURI = %q, want %q", r.Issuer.JWKSURI, jwksURI)
		}
		if r.Chain == nil || r.Chain.Host != jwksHost {
			t.Fatalf("chain = %+v, want the chain of the JWKS host %s", r.Chain, jwksHost)
		}
		checkPresented(t, r.Chain, leaf, intermediate)
		if r.IssuerHostChain == nil {
			t.Fatalf("issuerHostChain = nil, want the chain of the issuer host %s", issuerHost(t))
		}
		if r.IssuerHostChain.Host != issuerHost(t) {
			t.Errorf("issuerHostChain host = %q, want %q", r.IssuerHostChain.Host, issuerHost(t))
		}
		checkPresented(t, r.IssuerHostChain, env.IssuerLeaf, env.IssuerIntermediate)
		if !r.IssuerHostChain.Certificates[1].InIAM {
			t.Errorf("issuer host top inIAM = false, want true")
		}
		f := only(t, r, report.CheckThumbprint)
		if f.Severity != report.Failure {
			t.Errorf("thumbprint severity = %q, want %q", f.Severity, report.Failure)
		}
		if !strings.Contains(f.Summary, jwksHost) {
			t.Errorf("thumbprint summary = %q, want it to name the JWKS host %s", f.Summary, jwksHost)
		}
		if _, ok := evidenceWith(f, jwksHost, "not on the issuer host "+issuerHost(t)); !ok {
			t.Errorf("thumbprint evidence = %q, want a line that the JWKS host %s, not the issuer host %s, counts", f.Evidence, jwksHost, issuerHost(t))
		}
		if _, ok := evidenceWith(f, "IAM holds "+issuerTop, "issuer host "+issuerHost(t)); !ok {
			t.Errorf("thumbprint evidence = %q, want a line that IAM has %s of the issuer host", f.Evidence, issuerTop)
		}
		if got, want := thumbprintList(t, f.Fix), []string{issuerTop, jwksTop}; !slices.Equal(got, want) {
			t.Errorf("fix thumbprint list = %v, want %v (the current entry, then the JWKS host's top)", got, want)
		}
	})

	t.Run("JWKS host thumbprint", func(t *testing.T) {
		createProvider(t, []string{sts}, []string{jwksTop})

		res, r := diagnoseNamespace(t, namespace)

		checkExitCode(t, res, r, 0)
		if r.Verdict != report.OK {
			t.Errorf("verdict = %q, want %q", r.Verdict, report.OK)
		}
		f := only(t, r, report.CheckThumbprint)
		if f.Severity != report.OK {
			t.Errorf("thumbprint severity = %q, want %q", f.Severity, report.OK)
		}
		if f.Fix != "" {
			t.Errorf("thumbprint fix = %q, want none", f.Fix)
		}
		if line, ok := evidenceWith(f, issuerTop); ok {
			t.Errorf("thumbprint evidence line = %q, want no line with the issuer host's thumbprint %s, which IAM does not have", line, issuerTop)
		}
		if r.IssuerHostChain == nil {
			t.Errorf("issuerHostChain = nil, want the chain of the issuer host %s", issuerHost(t))
		}
	})

	t.Run("thumbprint command", func(t *testing.T) {
		printed := runPlugin(t, "thumbprint")

		if printed.code != 0 {
			t.Errorf("exit code = %d, want 0\nstderr: %s", printed.code, printed.stderr)
		}
		if printed.stdout != jwksTop+"\n" {
			t.Errorf("stdout = %q, want %q (openssl, JWKS host's top certificate)", printed.stdout, jwksTop+"\n")
		}
	})
}

func TestChainExpiry(t *testing.T) {
	requireEnv(t)
	now := time.Now()
	expiredLeaf := newLoopbackLeaf(t, "oidc-thumbprint test expired leaf", env.IssuerIntermediate, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	expiring := newCA(t, "oidc-thumbprint test expiring intermediate", env.IssuerCA, now.Add(10*24*time.Hour))
	expiringLeaf := newLoopbackLeaf(t, "127.0.0.1", expiring, time.Time{}, time.Time{})

	tests := []struct {
		name      string
		presented []*certgen.Cert
		// position is the presented certificate that the chain finding names.
		position     int
		wantSeverity report.Severity
		wantVerb     string
		wantCode     int
	}{
		{
			name:         "expired leaf",
			presented:    []*certgen.Cert{expiredLeaf, env.IssuerIntermediate},
			position:     0,
			wantSeverity: report.Failure,
			wantVerb:     "expired on",
			wantCode:     1,
		},
		{
			name:         "intermediate expiring in 10 days",
			presented:    []*certgen.Cert{expiringLeaf, expiring},
			position:     1,
			wantSeverity: report.Warning,
			wantVerb:     "expires on",
			wantCode:     0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			presentIssuerChain(t, tt.presented[0], tt.presented[1:]...)
			top := tt.presented[len(tt.presented)-1]
			createProvider(t, []string{sts}, []string{opensslThumbprint(t, top)})
			namespace := irsaWorkload(t, nil)
			named := tt.presented[tt.position].Cert

			res, r := diagnoseNamespace(t, namespace)

			checkExitCode(t, res, r, tt.wantCode)
			if r.Verdict != tt.wantSeverity {
				t.Errorf("verdict = %q, want %q", r.Verdict, tt.wantSeverity)
			}
			checkPresented(t, r.Chain, tt.presented...)
			f, ok := findingWith(r, report.CheckChain, tt.wantSeverity)
			if !ok {
				t.Fatalf("chain findings = %+v, want one with severity %q", findings(r, report.CheckChain), tt.wantSeverity)
			}
			wantName := "certificate " + strconv.Itoa(tt.position) + " (" + named.Subject.String() + ")"
			if !strings.Contains(f.Summary, wantName) {
				t.Errorf("chain summary = %q, want it to name %s", f.Summary, wantName)
			}
			wantDate := tt.wantVerb + " " + named.NotAfter.UTC().Format(time.DateOnly)
			if !strings.Contains(f.Summary, wantDate) {
				t.Errorf("chain summary = %q, want it to contain %q", f.Summary, wantDate)
			}
			if !strings.Contains(f.Fix, "renew") {
				t.Errorf("chain fix = %q, want a renewal", f.Fix)
			}
			if got := only(t, r, report.CheckThumbprint).Severity; got != report.OK {
				t.Errorf("thumbprint severity = %q, want %q because IAM has the top certificate's thumbprint", got, report.OK)
			}
		})
	}
}

// TestChainTLSVersion serves the JWKS from a second server whose TLS
// versions are limited, because the issuer server accepts TLS 1.2 and 1.3.
func TestChainTLSVersion(t *testing.T) {
	requireEnv(t)
	root := newCA(t, "oidc-thumbprint test TLS version root", nil, time.Time{})
	intermediate := newCA(t, "oidc-thumbprint test TLS version intermediate", root, time.Time{})
	leaf := newLoopbackLeaf(t, "127.0.0.1", intermediate, time.Time{}, time.Time{})
	top := opensslThumbprint(t, intermediate)

	tests := []struct {
		name      string
		configure func(*tls.Config)
		want      string
	}{
		{name: "TLS 1.3 only", configure: func(c *tls.Config) { c.MinVersion = tls.VersionTLS13 }, want: "TLS 1.3"},
		{name: "TLS 1.2 at most", configure: func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 }, want: "TLS 1.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jwksURI := startJWKSHost(t, certgen.TLSCertificate(leaf, intermediate), tt.configure)
			serveDiscoveryWithJWKSURI(t, jwksURI)
			presentIssuerChain(t, env.IssuerLeaf, env.IssuerIntermediate)
			createProvider(t, []string{sts}, []string{top})
			namespace := irsaWorkload(t, nil)

			res, r := diagnoseNamespace(t, namespace)

			checkExitCode(t, res, r, 0)
			if r.Verdict != report.OK {
				t.Errorf("verdict = %q, want %q\nfindings: %+v", r.Verdict, report.OK, r.Findings)
			}
			checkPresented(t, r.Chain, leaf, intermediate)
			if r.Chain.TLSVersion != tt.want {
				t.Errorf("tlsVersion = %q, want %q", r.Chain.TLSVersion, tt.want)
			}
			if got := only(t, r, report.CheckThumbprint).Severity; got != report.OK {
				t.Errorf("thumbprint severity = %q, want %q", got, report.OK)
			}
		})
	}
}

// TestChainIncomplete presents the leaf alone, without the intermediate
// that issued it. IAM can only match a certificate that the server presents.
func TestChainIncomplete(t *testing.T) {
	requireEnv(t)
	presentIssuerChain(t, env.IssuerLeaf)
	leafThumbprint := opensslThumbprint(t, env.IssuerLeaf)
	intermediateThumbprint := opensslThumbprint(t, env.IssuerIntermediate)
	namespace := irsaWorkload(t, nil)

	t.Run("intermediate in IAM", func(t *testing.T) {
		createProvider(t, []string{sts}, []string{intermediateThumbprint})

		res, r := diagnoseNamespace(t, namespace)

		checkExitCode(t, res, r, 1)
		checkPresented(t, r.Chain, env.IssuerLeaf)
		if r.Chain.Certificates[0].InIAM {
			t.Errorf("leaf inIAM = true, want false")
		}
		f := only(t, r, report.CheckThumbprint)
		if f.Severity != report.Failure {
			t.Errorf("thumbprint severity = %q, want %q", f.Severity, report.Failure)
		}
		if _, ok := evidenceWith(f, "IAM thumbprints", intermediateThumbprint); !ok {
			t.Errorf("thumbprint evidence = %q, want a line with IAM's thumbprint %s (the intermediate)", f.Evidence, intermediateThumbprint)
		}
		if _, ok := evidenceWith(f, "top presented certificate", "position 0", leafThumbprint); !ok {
			t.Errorf("thumbprint evidence = %q, want a line with the top certificate at position 0, %s (the leaf)", f.Evidence, leafThumbprint)
		}
	})

	t.Run("fix proposes no leaf", func(t *testing.T) {
		createProvider(t, []string{sts}, []string{intermediateThumbprint})

		_, r := diagnoseNamespace(t, namespace)

		f := only(t, r, report.CheckThumbprint)
		if strings.Contains(f.Fix, leafThumbprint) {
			t.Errorf("fix = %q, want no thumbprint %s of the leaf, which stops matching when the leaf is renewed", f.Fix, leafThumbprint)
		}
		if !strings.Contains(f.Fix, "intermediate CA certificates") {
			t.Errorf("fix = %q, want the server to send its intermediate CA certificates", f.Fix)
		}
	})

	t.Run("leaf in IAM", func(t *testing.T) {
		createProvider(t, []string{sts}, []string{leafThumbprint})

		_, r := diagnoseNamespace(t, namespace)

		if got := only(t, r, report.CheckThumbprint).Severity; got != report.Warning {
			t.Errorf("thumbprint severity = %q, want %q as for any pinned leaf", got, report.Warning)
		}
	})
}

func TestChainSelfSigned(t *testing.T) {
	requireEnv(t)
	selfSigned := newLoopbackLeaf(t, "oidc-thumbprint test self-signed issuer", nil, time.Time{}, time.Time{})
	presentIssuerChain(t, selfSigned)
	thumbprint := opensslThumbprint(t, selfSigned)
	namespace := irsaWorkload(t, nil)

	tests := []struct {
		name         string
		iam          string
		wantSeverity report.Severity
		wantCode     int
		wantFixList  []string
	}{
		{name: "current thumbprint", iam: thumbprint, wantSeverity: report.OK, wantCode: 0},
		{name: "stale thumbprint", iam: staleThumbprint, wantSeverity: report.Failure, wantCode: 1, wantFixList: []string{staleThumbprint, thumbprint}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			createProvider(t, []string{sts}, []string{tt.iam})

			res, r := diagnoseNamespace(t, namespace)

			checkExitCode(t, res, r, tt.wantCode)
			if r.Verdict != tt.wantSeverity {
				t.Errorf("verdict = %q, want %q\nfindings: %+v", r.Verdict, tt.wantSeverity, r.Findings)
			}
			checkPresented(t, r.Chain, selfSigned)
			if !r.Chain.ThumbprintEnforced {
				t.Errorf("thumbprintEnforced = false, want true for a self-signed certificate")
			}
			f := only(t, r, report.CheckThumbprint)
			if f.Severity != tt.wantSeverity {
				t.Errorf("thumbprint severity = %q, want %q", f.Severity, tt.wantSeverity)
			}
			if tt.wantFixList == nil {
				if f.Fix != "" {
					t.Errorf("thumbprint fix = %q, want none", f.Fix)
				}
				return
			}
			if got := thumbprintList(t, f.Fix); !slices.Equal(got, tt.wantFixList) {
				t.Errorf("fix thumbprint list = %v, want %v", got, tt.wantFixList)
			}
		})
	}
}

// TestChainInterception checks that a chain that looks intercepted by a
// TLS-inspecting proxy is not judged and gets no thumbprint update, though
// the provider has a stale thumbprint that would otherwise be a failure. A
// chain that only verifies with the system pool may as well be a private
// CA installed on this machine: it is judged, with a caveat.
func TestChainInterception(t *testing.T) {
	requireEnv(t)
	zscalerRoot := newCA(t, "Zscaler Root CA", nil, time.Time{})
	// The intermediate's name lacks "Zscaler", so only the root can give the sign.
	zscalerIntermediate := newCA(t, "oidc-thumbprint test proxy intermediate", zscalerRoot, time.Time{})
	zscalerLeaf := newLoopbackLeaf(t, "127.0.0.1", zscalerIntermediate, time.Time{}, time.Time{})
	// On Linux, x509.SystemCertPool reads the file that SSL_CERT_FILE names.
	systemPool := "SSL_CERT_FILE=" + writePEM(t, env.IssuerCA.PEM())

	tests := []struct {
		name           string
		presented      []*certgen.Cert
		extraEnv       []string
		wantSystemRoot bool
		wantSign       []string
		// intercepted is true when the sign is strong enough to skip the
		// thumbprint judgement.
		intercepted bool
	}{
		{
			name:           "root only in system pool",
			presented:      []*certgen.Cert{env.IssuerLeaf, env.IssuerIntermediate},
			extraEnv:       []string{systemPool},
			wantSystemRoot: true,
			wantSign:       []string{"system pool"},
		},
		{
			name:        "Zscaler root",
			presented:   []*certgen.Cert{zscalerLeaf, zscalerIntermediate},
			wantSign:    []string{`"Zscaler Root CA"`, "(Zscaler)"},
			intercepted: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			presentIssuerChain(t, tt.presented[0], tt.presented[1:]...)
			createProvider(t, []string{sts}, []string{staleThumbprint})
			namespace := irsaWorkload(t, nil)

			res, r := diagnoseNamespace(t, namespace, tt.extraEnv...)

			wantVerdict, wantCode, wantThumbprint := report.Warning, 0, report.Warning
			if !tt.intercepted {
				wantVerdict, wantCode, wantThumbprint = report.Failure, 1, report.Failure
			}
			checkExitCode(t, res, r, wantCode)
			if r.Verdict != wantVerdict {
				t.Errorf("verdict = %q, want %q\nfindings: %+v", r.Verdict, wantVerdict, r.Findings)
			}
			checkPresented(t, r.Chain, tt.presented...)
			if r.Chain.PublicRoot {
				t.Errorf("publicRoot = true, want false")
			}
			if r.Chain.SystemRoot != tt.wantSystemRoot {
				t.Errorf("systemRoot = %t, want %t", r.Chain.SystemRoot, tt.wantSystemRoot)
			}
			signFound := slices.ContainsFunc(r.Chain.InterceptionSigns, func(sign string) bool {
				return containsAll(sign, tt.wantSign)
			})
			if !signFound {
				t.Errorf("interceptionSigns = %q, want one that contains %q", r.Chain.InterceptionSigns, tt.wantSign)
			}
			chainWarning, ok := findingWith(r, report.CheckChain, report.Warning)
			if !ok {
				t.Fatalf("chain findings = %+v, want a warning of interception", findings(r, report.CheckChain))
			}
			wantSummary := "intercepted"
			if !tt.intercepted {
				wantSummary = "a private CA installed here, or a TLS-inspecting proxy"
			}
			if !strings.Contains(chainWarning.Summary, wantSummary) {
				t.Errorf("chain warning summary = %q, want it to contain %q", chainWarning.Summary, wantSummary)
			}
			if _, ok := evidenceWith(chainWarning, tt.wantSign...); !ok {
				t.Errorf("chain warning evidence = %q, want a line that contains %q", chainWarning.Evidence, tt.wantSign)
			}
			f := only(t, r, report.CheckThumbprint)
			if f.Severity != wantThumbprint {
				t.Errorf("thumbprint severity = %q, want %q", f.Severity, wantThumbprint)
			}
			if tt.intercepted && f.Fix != "" {
				t.Errorf("thumbprint fix = %q, want none for an intercepted chain", f.Fix)
			}
			if _, ok := evidenceWith(f, "verifies with this machine's CAs only"); !tt.intercepted && !ok {
				t.Errorf("thumbprint evidence = %q, want the caveat about this machine's CAs", f.Evidence)
			}
		})
	}
}

// TestChainUppercaseThumbprints stores thumbprints in upper case, as some
// tools write them. moto keeps the case it receives.
func TestChainUppercaseThumbprints(t *testing.T) {
	requireEnv(t)
	presentIssuerChain(t, env.IssuerLeaf, env.IssuerIntermediate)
	leaf := strings.ToUpper(opensslThumbprint(t, env.IssuerLeaf))
	top := strings.ToUpper(opensslThumbprint(t, env.IssuerIntermediate))
	namespace := irsaWorkload(t, nil)

	tests := []struct {
		name      string
		iam       []string
		wantInIAM []bool
	}{
		{name: "top", iam: []string{top}, wantInIAM: []bool{false, true}},
		{name: "leaf and top", iam: []string{leaf, top}, wantInIAM: []bool{true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			createProvider(t, []string{sts}, tt.iam)

			res, r := diagnoseNamespace(t, namespace)

			if r.Provider == nil {
				t.Fatalf("provider = nil, want thumbprints %v", tt.iam)
			}
			if !slices.Equal(r.Provider.Thumbprints, tt.iam) {
				t.Fatalf("provider thumbprints = %v, want %v as sent in upper case", r.Provider.Thumbprints, tt.iam)
			}
			checkExitCode(t, res, r, 0)
			if r.Verdict != report.OK {
				t.Errorf("verdict = %q, want %q\nfindings: %+v", r.Verdict, report.OK, r.Findings)
			}
			if got := only(t, r, report.CheckThumbprint).Severity; got != report.OK {
				t.Errorf("thumbprint severity = %q, want %q", got, report.OK)
			}
			checkPresented(t, r.Chain, env.IssuerLeaf, env.IssuerIntermediate)
			for i, want := range tt.wantInIAM {
				if got := r.Chain.Certificates[i].InIAM; got != want {
					t.Errorf("certificate %d inIAM = %t, want %t", i, got, want)
				}
			}
		})
	}
}

// TestChainFullThumbprintList gives the provider five thumbprints, the
// maximum IAM stores, none of a presented certificate. The fix must drop one to add the
// top certificate's thumbprint: the earliest entry that matches nothing.
func TestChainFullThumbprintList(t *testing.T) {
	requireEnv(t)
	presentIssuerChain(t, env.IssuerLeaf, env.IssuerIntermediate)
	top := opensslThumbprint(t, env.IssuerIntermediate)
	var current []string
	for range 5 {
		unrelated := newCA(t, "oidc-thumbprint test unrelated CA", nil, time.Time{})
		current = append(current, opensslThumbprint(t, unrelated))
	}
	createProvider(t, []string{sts}, current)
	namespace := irsaWorkload(t, nil)

	res, r := diagnoseNamespace(t, namespace)

	checkExitCode(t, res, r, 1)
	if !r.Chain.ThumbprintEnforced {
		t.Errorf("thumbprintEnforced = false, want true for a private CA")
	}
	f := only(t, r, report.CheckThumbprint)
	if f.Severity != report.Failure {
		t.Errorf("thumbprint severity = %q, want %q", f.Severity, report.Failure)
	}
	got := thumbprintList(t, f.Fix)
	if len(got) != 5 {
		t.Errorf("fix thumbprint list has %d entries, want 5: %v", len(got), got)
	}
	if !slices.Contains(got, top) {
		t.Errorf("fix thumbprint list = %v, want it to contain the top certificate's %s", got, top)
	}
	if want := append(slices.Clone(current[1:]), top); !slices.Equal(got, want) {
		t.Errorf("fix thumbprint list = %v, want %v (the first unmatched entry dropped, order kept, top added)", got, want)
	}
}

// containsAll reports whether s contains every one of parts.
func containsAll(s string, parts []string) bool {
	for _, part := range parts {
		if !strings.Contains(s, part) {
			return false
		}
	}

	return true
}
