package diagnose

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/chain"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/iamcheck"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/issuer"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/stserr"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/workload"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/certgen"
)

const (
	testIssuerURL   = "https://issuer.test/id/ABC"
	testProviderURL = "issuer.test/id/ABC"
	testProviderARN = "arn:aws:iam::111122223333:oidc-provider/issuer.test/id/ABC"
	testJWKSHost    = "issuer.test:443"
	// unknownThumbprint matches no test certificate.
	unknownThumbprint = "0123456789abcdef0123456789abcdef01234567"
)

// testCerts is a root → intermediate → leaf chain that the JWKS host
// presents leaf first, so the root is the top certificate.
type testCerts struct {
	root, intermediate, leaf *certgen.Cert
}

func newTestCerts(t *testing.T) testCerts {
	t.Helper()
	root := certgen.MustNew(certgen.Spec{CommonName: "Test Root CA", IsCA: true}, nil)
	intermediate := certgen.MustNew(certgen.Spec{CommonName: "Test Intermediate CA", IsCA: true}, root)
	leaf := certgen.MustNew(certgen.Spec{CommonName: "issuer.test", Hosts: []string{"issuer.test"}}, intermediate)

	return testCerts{root: root, intermediate: intermediate, leaf: leaf}
}

func (c testCerts) thumbprint(cert *certgen.Cert) string {
	return chain.Thumbprint(cert.Cert)
}

// healthyEvidence returns the evidence of a working setup: the provider
// exists with the default audience and the top certificate's thumbprint,
// and the chain does not verify to a public root, so IAM enforces it.
func healthyEvidence(c testCerts, now time.Time) *evidence {
	return &evidence{
		issuerURL:    testIssuerURL,
		issuerSource: "api-server",
		providerURL:  testProviderURL,
		apiIssuer:    testIssuerURL,
		public:       &issuer.Discovery{Issuer: testIssuerURL, JWKSURI: testIssuerURL + "/keys"},
		publicKeys:   []string{"key-1"},
		clusterKeys:  []string{"key-1"},
		provider: &iamcheck.Provider{
			ARN:         testProviderARN,
			URL:         testProviderURL,
			ClientIDs:   []string{workload.DefaultAudience},
			Thumbprints: []string{chain.Thumbprint(c.root.Cert)},
		},
		chainURL: testIssuerURL + "/keys",
		chain: &chain.Result{
			Address:      testJWKSHost,
			ServerName:   "issuer.test",
			TLSVersion:   "TLS 1.3",
			Certificates: []*x509.Certificate{c.leaf.Cert, c.intermediate.Cert, c.root.Cert},
			PublicErr:    x509.UnknownAuthorityError{},
		},
		workloads: &workload.Result{
			ServiceAccountsListed: true,
			ServiceAccounts: []workload.ServiceAccount{{
				Namespace: "payments",
				Name:      "api",
				RoleARN:   "arn:aws:iam::111122223333:role/payments-api",
				Audience:  workload.DefaultAudience,
				Pods:      2,
			}},
			PodsScanned:   2,
			EventsScanned: 5,
		},
		now: now,
	}
}

// findingsOf returns the findings of check, in report order.
func findingsOf(r *report.Report, check report.Check) []report.Finding {
	var out []report.Finding
	for _, f := range r.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}

	return out
}

// worstOf returns the most severe finding of check, so that a check with an
// OK summary and a warning is judged by the warning.
func worstOf(t *testing.T, r *report.Report, check report.Check) report.Finding {
	t.Helper()
	found := findingsOf(r, check)
	if len(found) == 0 {
		t.Fatalf("report has no %q finding; findings: %+v", check, r.Findings)
	}
	worst := found[0]
	for _, f := range found[1:] {
		if report.Worst([]report.Finding{worst, f}) != worst.Severity {
			worst = f
		}
	}

	return worst
}

func hit(kind, namespace, name string, cause stserr.Cause, code, message string) workload.Hit {
	return workload.Hit{
		Kind:           kind,
		Namespace:      namespace,
		Name:           name,
		ServiceAccount: "api",
		Source:         "event FailedMount",
		Match:          stserr.Match{Code: code, Cause: cause, Message: message},
		Count:          3,
	}
}

func TestFindings(t *testing.T) {
	now := time.Now()
	c := newTestCerts(t)
	expired := certgen.MustNew(certgen.Spec{
		CommonName: "Expired Intermediate CA",
		IsCA:       true,
		NotBefore:  now.AddDate(-2, 0, 0),
		NotAfter:   now.AddDate(0, 0, -1),
	}, c.root)
	expiring := certgen.MustNew(certgen.Spec{
		CommonName: "Expiring Intermediate CA",
		IsCA:       true,
		NotBefore:  now.AddDate(-1, 0, 0),
		NotAfter:   now.AddDate(0, 0, 10),
	}, c.root)
	future := certgen.MustNew(certgen.Spec{
		CommonName: "Future Intermediate CA",
		IsCA:       true,
		NotBefore:  now.AddDate(0, 0, 2),
		NotAfter:   now.AddDate(1, 0, 0),
	}, c.root)
	root := c.thumbprint(c.root)

	tests := []struct {
		name   string
		modify func(ev *evidence)
		check  report.Check
		// severity is that of the worst finding of check.
		severity report.Severity
		summary  string // substring of the finding's summary
		fix      string // substring of the fix, or empty when no fix is expected
		evidence string // substring of one evidence line, or empty to skip the check
		verdict  report.Severity
	}{
		{
			name:     "top matches",
			modify:   func(ev *evidence) {},
			check:    report.CheckThumbprint,
			severity: report.OK,
			summary:  "IAM holds the thumbprint of the top presented certificate (position 2)",
			verdict:  report.OK,
		},
		{
			name:     "top matches in upper case",
			modify:   func(ev *evidence) { ev.provider.Thumbprints = []string{strings.ToUpper(root)} },
			check:    report.CheckThumbprint,
			severity: report.OK,
			summary:  "top presented certificate",
			verdict:  report.OK,
		},
		{
			name:     "enforced stale thumbprint",
			modify:   func(ev *evidence) { ev.provider.Thumbprints = []string{unknownThumbprint} },
			check:    report.CheckThumbprint,
			severity: report.Failure,
			summary:  "IAM holds no thumbprint of any certificate that issuer.test:443 presents, and enforces it",
			fix: "aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn " + testProviderARN +
				" --thumbprint-list " + unknownThumbprint + " " + root,
			evidence: "top presented certificate (position 2, CN=Test Root CA,O=oidc-thumbprint tests): " + root,
			verdict:  report.Failure,
		},
		{
			name: "stale thumbprint not enforced",
			modify: func(ev *evidence) {
				ev.provider.Thumbprints = []string{unknownThumbprint}
				ev.chain.PublicRoot = true
				ev.chain.PublicErr = nil
			},
			check:    report.CheckThumbprint,
			severity: report.Warning,
			summary:  "it is a legacy value that IAM does not consult for this chain",
			fix:      "--thumbprint-list " + unknownThumbprint + " " + root,
			verdict:  report.Warning,
		},
		{
			name:     "leaf pinned",
			modify:   func(ev *evidence) { ev.provider.Thumbprints = []string{c.thumbprint(c.leaf)} },
			check:    report.CheckThumbprint,
			severity: report.Warning,
			summary:  "IAM holds the thumbprint of the leaf certificate (position 0)",
			fix:      "--thumbprint-list " + c.thumbprint(c.leaf) + " " + root,
			verdict:  report.Warning,
		},
		{
			name:     "intermediate matched",
			modify:   func(ev *evidence) { ev.provider.Thumbprints = []string{c.thumbprint(c.intermediate)} },
			check:    report.CheckThumbprint,
			severity: report.OK,
			summary:  "intermediate certificate at position 1",
			verdict:  report.OK,
		},
		{
			name: "leaf and intermediate matched",
			modify: func(ev *evidence) {
				ev.provider.Thumbprints = []string{c.thumbprint(c.intermediate), c.thumbprint(c.leaf)}
			},
			check:    report.CheckThumbprint,
			severity: report.Warning,
			summary:  "leaf certificate (position 0)",
			fix:      "--thumbprint-list",
			verdict:  report.Warning,
		},
		{
			name: "interception signs",
			modify: func(ev *evidence) {
				ev.provider.Thumbprints = []string{unknownThumbprint}
				ev.chain.InterceptionSigns = []string{`certificate issuer "Zscaler Root CA" is a TLS-inspecting proxy (Zscaler)`}
				ev.chain.Intercepted = true
			},
			check:    report.CheckThumbprint,
			severity: report.Warning,
			summary:  "no update is proposed",
			fix:      "",
			verdict:  report.Warning,
		},
		{
			name: "interception warning on the chain",
			modify: func(ev *evidence) {
				ev.chain.InterceptionSigns = []string{"HTTPS_PROXY routes this connection through proxy.corp.example:3128"}
				ev.chain.Intercepted = true
			},
			check:    report.CheckChain,
			severity: report.Warning,
			summary:  "looks intercepted",
			fix:      "before changing any thumbprint",
			evidence: "HTTPS_PROXY routes this connection through proxy.corp.example:3128",
			verdict:  report.Warning,
		},
		{
			name:     "expired certificate",
			modify:   func(ev *evidence) { ev.chain.Certificates[1] = expired.Cert },
			check:    report.CheckChain,
			severity: report.Failure,
			summary:  "certificate 1 (CN=Expired Intermediate CA,O=oidc-thumbprint tests) presented by issuer.test:443 expired on " + expired.Cert.NotAfter.UTC().Format("2006-01-02"),
			fix:      "renew the certificate on issuer.test:443",
			verdict:  report.Failure,
		},
		{
			name:     "certificate expiring soon",
			modify:   func(ev *evidence) { ev.chain.Certificates[1] = expiring.Cert },
			check:    report.CheckChain,
			severity: report.Warning,
			summary:  "expires on " + expiring.Cert.NotAfter.UTC().Format("2006-01-02"),
			fix:      "before it expires",
			verdict:  report.Warning,
		},
		{
			name:     "certificate not yet valid",
			modify:   func(ev *evidence) { ev.chain.Certificates[1] = future.Cert },
			check:    report.CheckChain,
			severity: report.Failure,
			summary:  "is not valid before",
			fix:      "",
			verdict:  report.Failure,
		},
		{
			name:     "chain could not be read",
			modify:   func(ev *evidence) { ev.chain, ev.chainErr = nil, errors.New("dial tcp issuer.test:443: i/o timeout") },
			check:    report.CheckChain,
			severity: report.Error,
			summary:  "could not be read",
			evidence: "i/o timeout",
			verdict:  report.Error,
		},
		{
			name:     "missing provider",
			modify:   func(ev *evidence) { ev.provider = nil },
			check:    report.CheckProvider,
			severity: report.Failure,
			summary:  "no IAM OIDC provider for " + testProviderURL + " in this account",
			fix: "aws iam create-open-id-connect-provider --url " + testIssuerURL +
				" --client-id-list sts.amazonaws.com --thumbprint-list " + root,
			verdict: report.Failure,
		},
		{
			name: "missing provider with similar URL",
			modify: func(ev *evidence) {
				ev.provider = nil
				ev.similar = []string{"arn:aws:iam::111122223333:oidc-provider/Issuer.test/id/ABC"}
			},
			check:    report.CheckProvider,
			severity: report.Failure,
			summary:  "no IAM OIDC provider",
			fix:      "aws iam create-open-id-connect-provider",
			evidence: "differs only in case or a trailing slash exists: arn:aws:iam::111122223333:oidc-provider/Issuer.test/id/ABC",
			verdict:  report.Failure,
		},
		{
			name: "missing provider lists every audience",
			modify: func(ev *evidence) {
				ev.provider = nil
				ev.workloads.ServiceAccounts = append(ev.workloads.ServiceAccounts, workload.ServiceAccount{
					Namespace: "batch", Name: "worker", Audience: "sts.example.com",
				})
			},
			check:    report.CheckProvider,
			severity: report.Failure,
			summary:  "no IAM OIDC provider",
			fix:      "--client-id-list sts.amazonaws.com sts.example.com --thumbprint-list",
			verdict:  report.Failure,
		},
		{
			name: "provider could not be read",
			modify: func(ev *evidence) {
				ev.provider, ev.providerErr = nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized"}
			},
			check:    report.CheckProvider,
			severity: report.Error,
			summary:  "could not be read",
			fix:      "iam:ListOpenIDConnectProviders",
			evidence: "AccessDenied",
			verdict:  report.Error,
		},
		{
			name: "IAM unreachable",
			modify: func(ev *evidence) {
				ev.provider, ev.providerErr = nil, errors.New("list IAM OIDC providers: dial tcp 127.0.0.1:1: connection refused")
			},
			check:    report.CheckProvider,
			severity: report.Error,
			summary:  "could not be read",
			fix:      "IAM is reachable",
			evidence: "connection refused",
			verdict:  report.Error,
		},
		{
			name: "audience missing",
			modify: func(ev *evidence) {
				ev.workloads.ServiceAccounts[0].Audience = "sts.example.com"
			},
			check:    report.CheckAudience,
			severity: report.Failure,
			summary:  `the provider's client IDs lack the audience "sts.example.com"`,
			fix:      "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn " + testProviderARN + " --client-id sts.example.com",
			evidence: "used by service account payments/api",
			verdict:  report.Failure,
		},
		{
			name: "default audience without service accounts",
			modify: func(ev *evidence) {
				ev.workloads.ServiceAccounts = nil
				ev.provider.ClientIDs = nil
			},
			check:    report.CheckAudience,
			severity: report.Failure,
			summary:  `lack the audience "sts.amazonaws.com"`,
			fix:      "--client-id sts.amazonaws.com",
			evidence: "client IDs: (none)",
			verdict:  report.Failure,
		},
		{
			name:     "audience present",
			modify:   func(ev *evidence) {},
			check:    report.CheckAudience,
			severity: report.OK,
			summary:  "include every audience in use: sts.amazonaws.com",
			verdict:  report.OK,
		},
		{
			name: "public discovery failed",
			modify: func(ev *evidence) {
				ev.public, ev.publicErr = nil, errors.New("GET https://issuer.test/id/ABC/.well-known/openid-configuration: HTTP status 404 Not Found")
			},
			check:    report.CheckDiscovery,
			severity: report.Failure,
			summary:  "public discovery document of the issuer could not be read",
			fix:      "serve https://issuer.test/id/ABC/.well-known/openid-configuration over HTTPS",
			evidence: "404",
			verdict:  report.Failure,
		},
		{
			name:     "public JWKS lacks a cluster key",
			modify:   func(ev *evidence) { ev.clusterKeys = []string{"key-1", "key-2"} },
			check:    report.CheckJWKS,
			severity: report.Failure,
			summary:  "lacks 1 key ID(s)",
			fix:      "kubectl get --raw /openid/v1/jwks > jwks.json",
			evidence: "missing from https://issuer.test/id/ABC/keys: key-2",
			verdict:  report.Failure,
		},
		{
			name: "cluster keys forbidden",
			modify: func(ev *evidence) {
				ev.clusterKeys, ev.clusterErr = nil, fmt.Errorf("GET /openid/v1/jwks on the API server: %w", issuer.ErrForbidden)
			},
			check:    report.CheckJWKS,
			severity: report.Warning,
			summary:  "could not be compared",
			fix:      "kubectl create clusterrolebinding",
			verdict:  report.Warning,
		},
		{
			name: "issuer flag differs from the API server",
			modify: func(ev *evidence) {
				ev.issuerSource = "flag"
				ev.apiIssuer = "https://other.test/id/XYZ"
			},
			check:    report.CheckIssuer,
			severity: report.Warning,
			summary:  "--issuer " + testIssuerURL + " differs from the API server's issuer https://other.test/id/XYZ",
			verdict:  report.Warning,
		},
		{
			name: "workload scan error",
			modify: func(ev *evidence) {
				ev.workloads.Errors = []error{errors.New("list pods: forbidden")}
			},
			check:    report.CheckWorkloads,
			severity: report.Error,
			summary:  "part of the workload scan failed",
			evidence: "list pods: forbidden",
			verdict:  report.Error,
		},
		{
			name: "profile in the fix",
			modify: func(ev *evidence) {
				ev.provider.Thumbprints = []string{unknownThumbprint}
				ev.profile = "prod"
			},
			check:    report.CheckThumbprint,
			severity: report.Failure,
			summary:  "enforces it",
			fix:      " --thumbprint-list " + unknownThumbprint + " " + root + " --profile prod",
			verdict:  report.Failure,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := healthyEvidence(c, now)
			tt.modify(ev)

			r := ev.report(Config{})
			f := worstOf(t, r, tt.check)

			if f.Severity != tt.severity {
				t.Errorf("%s finding severity = %q, want %q; finding: %+v", tt.check, f.Severity, tt.severity, f)
			}
			if !strings.Contains(f.Summary, tt.summary) {
				t.Errorf("%s finding summary = %q, want it to contain %q", tt.check, f.Summary, tt.summary)
			}
			if tt.fix == "" && f.Fix != "" {
				t.Errorf("%s finding fix = %q, want none", tt.check, f.Fix)
			}
			if tt.fix != "" && !strings.Contains(f.Fix, tt.fix) {
				t.Errorf("%s finding fix = %q, want it to contain %q", tt.check, f.Fix, tt.fix)
			}
			if tt.evidence != "" && !slices.ContainsFunc(f.Evidence, func(line string) bool { return strings.Contains(line, tt.evidence) }) {
				t.Errorf("%s finding evidence = %q, want a line containing %q", tt.check, f.Evidence, tt.evidence)
			}
			if r.Verdict != tt.verdict {
				t.Errorf("report verdict = %q, want %q; findings: %+v", r.Verdict, tt.verdict, r.Findings)
			}
			if worst := report.Worst(r.Findings); r.Verdict != worst {
				t.Errorf("report verdict = %q, want report.Worst(findings) = %q", r.Verdict, worst)
			}
		})
	}
}

func TestFindingsWithoutProvider(t *testing.T) {
	c := newTestCerts(t)
	ev := healthyEvidence(c, time.Now())
	ev.provider = nil

	r := ev.report(Config{})

	if got := findingsOf(r, report.CheckThumbprint); len(got) != 0 {
		t.Errorf("thumbprint findings without a provider = %+v, want none", got)
	}
	if got := findingsOf(r, report.CheckAudience); len(got) != 0 {
		t.Errorf("audience findings without a provider = %+v, want none", got)
	}
	if r.Provider != nil {
		t.Errorf("report provider = %+v, want nil", r.Provider)
	}
}

// TestCreateProviderBehindInterception checks that the create command for a
// missing provider does not propose the thumbprint of an intercepted chain,
// which differs from the chain that AWS receives.
func TestCreateProviderBehindInterception(t *testing.T) {
	c := newTestCerts(t)
	ev := healthyEvidence(c, time.Now())
	ev.provider = nil
	ev.chain.InterceptionSigns = []string{`certificate issuer "Zscaler Root CA" is a TLS-inspecting proxy (Zscaler)`}
	ev.chain.Intercepted = true

	r := ev.report(Config{})
	f := worstOf(t, r, report.CheckProvider)

	if intercepted := c.thumbprint(c.root); strings.Contains(f.Fix, intercepted) {
		t.Errorf("provider finding fix = %q, want no thumbprint of the intercepted chain (%s)", f.Fix, intercepted)
	}
}

func TestObservedErrorsExplained(t *testing.T) {
	tests := []struct {
		name   string
		modify func(ev *evidence)
		hits   []workload.Hit
		// explaining is the check of the finding that should be marked and first.
		explaining report.Check
	}{
		{
			name:   "thumbprint mismatch",
			modify: func(ev *evidence) { ev.provider.Thumbprints = []string{unknownThumbprint} },
			hits: []workload.Hit{hit("Pod", "payments", "api-1", stserr.ThumbprintMismatch, "InvalidIdentityToken",
				"OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint")},
			explaining: report.CheckThumbprint,
		},
		{
			name:   "provider not found",
			modify: func(ev *evidence) { ev.provider = nil },
			hits: []workload.Hit{hit("Pod", "payments", "api-1", stserr.ProviderNotFound, "InvalidIdentityToken",
				"No OpenIDConnect provider found in your account for "+testIssuerURL)},
			explaining: report.CheckProvider,
		},
		{
			name:   "incorrect audience",
			modify: func(ev *evidence) { ev.workloads.ServiceAccounts[0].Audience = "sts.example.com" },
			hits: []workload.Hit{hit("Ingress", "web", "public", stserr.IncorrectAudience, "InvalidIdentityToken",
				"Incorrect token audience")},
			explaining: report.CheckAudience,
		},
		{
			name:   "verification key",
			modify: func(ev *evidence) { ev.clusterKeys = []string{"key-1", "key-2"} },
			hits: []workload.Hit{hit("Pod", "payments", "api-1", stserr.VerificationKey, "InvalidIdentityToken",
				"Couldn't retrieve verification key from your identity provider")},
			explaining: report.CheckJWKS,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := healthyEvidence(newTestCerts(t), time.Now())
			tt.modify(ev)
			ev.workloads.Hits = tt.hits

			r := ev.report(Config{})

			if len(r.Findings) < 2 {
				t.Fatalf("report findings = %+v, want at least the explanation and the observed errors", r.Findings)
			}
			first, second := r.Findings[0], r.Findings[1]
			if first.Check != tt.explaining {
				t.Errorf("Findings[0].Check = %q, want %q; findings: %+v", first.Check, tt.explaining, r.Findings)
			}
			if !first.ExplainsErrors {
				t.Errorf("Findings[0].ExplainsErrors = false, want true; finding: %+v", first)
			}
			if second.Check != report.CheckErrors {
				t.Errorf("Findings[1].Check = %q, want %q", second.Check, report.CheckErrors)
			}
			if second.Severity != report.Failure {
				t.Errorf("observed errors finding severity = %q, want %q", second.Severity, report.Failure)
			}
			if !strings.HasPrefix(second.Summary, "1 object(s) report InvalidIdentityToken: ") {
				t.Errorf("observed errors finding summary = %q, want it to count the objects and name the code", second.Summary)
			}
			for i, f := range r.Findings[1:] {
				if f.ExplainsErrors {
					t.Errorf("Findings[%d] = %+v is marked as explaining the errors, want only Findings[0]", i+1, f)
				}
			}
			if r.Verdict != report.Failure {
				t.Errorf("report verdict = %q, want %q", r.Verdict, report.Failure)
			}
			if code := report.ExitCode(r.Verdict); code != 1 {
				t.Errorf("report.ExitCode(%q) = %d, want 1", r.Verdict, code)
			}
		})
	}
}

func TestObservedErrorsUnexplained(t *testing.T) {
	ev := healthyEvidence(newTestCerts(t), time.Now())
	ev.workloads.Hits = []workload.Hit{hit("Pod", "payments", "api-1", stserr.ThumbprintMismatch, "InvalidIdentityToken",
		"OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint")}

	r := ev.report(Config{})

	if r.Findings[0].Check != report.CheckErrors {
		t.Fatalf("Findings[0].Check = %q, want %q when no check fails", r.Findings[0].Check, report.CheckErrors)
	}
	for _, f := range r.Findings {
		if f.ExplainsErrors {
			t.Errorf("finding %+v is marked as explaining the errors, want none when no check fails", f)
		}
	}
	observed := r.Findings[0]
	wantLines := []string{
		"likely cause: " + stserr.ThumbprintMismatch.Explanation(),
		"Pod payments/api-1 (service account api): event FailedMount, 3 time(s)",
		"no current check fails for this cause",
	}
	for _, want := range wantLines {
		if !slices.ContainsFunc(observed.Evidence, func(line string) bool { return strings.HasPrefix(line, want) }) {
			t.Errorf("observed errors evidence = %q, want a line starting %q", observed.Evidence, want)
		}
	}
	if observed.Severity != report.Warning {
		t.Errorf("observed errors severity = %q, want %q when no check fails", observed.Severity, report.Warning)
	}
	if r.Verdict != report.Warning {
		t.Errorf("report verdict = %q, want %q because the errors may predate a fix", r.Verdict, report.Warning)
	}
}

func TestObservedErrorsListLimit(t *testing.T) {
	ev := healthyEvidence(newTestCerts(t), time.Now())
	for i := range maxListed + 3 {
		ev.workloads.Hits = append(ev.workloads.Hits, hit("Pod", "payments", "api-"+string(rune('a'+i)), stserr.AccessDenied,
			"AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"))
	}

	r := ev.report(Config{})
	observed := findingsOf(r, report.CheckErrors)

	if len(observed) != 1 {
		t.Fatalf("observed errors findings = %+v, want one per cause", observed)
	}
	f := observed[0]
	if want := "13 object(s) report AccessDenied"; !strings.HasPrefix(f.Summary, want) {
		t.Errorf("observed errors summary = %q, want it to start %q", f.Summary, want)
	}
	// The cause line, maxListed objects, the remainder and the unexplained note.
	if want := 1 + maxListed + 1 + 1; len(f.Evidence) != want {
		t.Errorf("len(observed errors evidence) = %d, want %d: %q", len(f.Evidence), want, f.Evidence)
	}
	if !slices.Contains(f.Evidence, "and 3 more") {
		t.Errorf("observed errors evidence = %q, want %q", f.Evidence, "and 3 more")
	}
}

func TestFindingsOrder(t *testing.T) {
	ev := healthyEvidence(newTestCerts(t), time.Now())
	ev.provider.Thumbprints = []string{leafThumbprint(ev)}
	ev.workloads.Errors = []error{errors.New("list events: forbidden")}
	ev.clusterKeys = []string{"key-1", "key-2"}

	r := ev.report(Config{})

	rank := map[report.Severity]int{report.Failure: 0, report.Error: 1, report.Warning: 2, report.OK: 3}
	for i := 1; i < len(r.Findings); i++ {
		prev, cur := r.Findings[i-1], r.Findings[i]
		if rank[prev.Severity] > rank[cur.Severity] {
			t.Errorf("Findings[%d] (%s, %s) sorts before Findings[%d] (%s, %s), want failures, errors, warnings, then ok",
				i-1, prev.Check, prev.Severity, i, cur.Check, cur.Severity)
		}
	}
	if r.Verdict != report.Failure {
		t.Errorf("report verdict = %q, want %q", r.Verdict, report.Failure)
	}
}

// leafThumbprint returns the thumbprint of the leaf that ev's chain presents.
func leafThumbprint(ev *evidence) string {
	return chain.Thumbprint(ev.chain.Certificates[0])
}

func TestChainReport(t *testing.T) {
	c := newTestCerts(t)
	ev := healthyEvidence(c, time.Now())
	ev.provider.Thumbprints = []string{strings.ToUpper(c.thumbprint(c.root))}

	r := ev.report(Config{Context: "prod", Server: "https://api.prod.example.com"})

	if r.Chain == nil {
		t.Fatalf("report chain = nil, want the inspected chain")
	}
	if r.Chain.Host != testJWKSHost {
		t.Errorf("report chain host = %q, want %q", r.Chain.Host, testJWKSHost)
	}
	if !r.Chain.ThumbprintEnforced {
		t.Errorf("report chain ThumbprintEnforced = false, want true for a chain without a public root")
	}
	if len(r.Chain.Certificates) != 3 {
		t.Fatalf("len(report chain certificates) = %d, want 3", len(r.Chain.Certificates))
	}
	for i, want := range []bool{false, false, true} {
		if got := r.Chain.Certificates[i].InIAM; got != want {
			t.Errorf("report chain certificate %d InIAM = %v, want %v", i, got, want)
		}
	}
	if got := r.Chain.Certificates[2].Thumbprint; got != c.thumbprint(c.root) {
		t.Errorf("report chain certificate 2 thumbprint = %q, want %q", got, c.thumbprint(c.root))
	}
	if r.Cluster.Context != "prod" {
		t.Errorf("report cluster context = %q, want %q", r.Cluster.Context, "prod")
	}
	if r.SchemaVersion != report.SchemaVersion {
		t.Errorf("report schema version = %q, want %q", r.SchemaVersion, report.SchemaVersion)
	}
}
