package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
)

const sts = "sts.amazonaws.com"

// irsaWorkload creates an annotated service account, a pod that uses it,
// and, for the default annotation, role "app" trusting that service account.
func irsaWorkload(t *testing.T, annotations map[string]string) (namespace string) {
	t.Helper()
	namespace = newNamespace(t)
	if annotations == nil {
		annotations = map[string]string{"eks.amazonaws.com/role-arn": roleARN}
		putRole(t, "app", "/", trustPolicy(namespace, "app", sts))
	}
	createServiceAccount(t, namespace, "app", annotations)
	createPod(t, namespace, "app-0", "app")

	return namespace
}

func TestDiagnoseHealthy(t *testing.T) {
	requireEnv(t)
	top := opensslThumbprint(t, env.IssuerIntermediate)
	arn := createProvider(t, []string{sts}, []string{top})
	namespace := irsaWorkload(t, nil)

	res := runPlugin(t, "diagnose", "-n", namespace, "-o", "json")
	r := decodeReport(t, res)

	if res.code != 0 {
		t.Errorf("exit code = %d, want 0\nstderr: %s", res.code, res.stderr)
	}
	if got := failures(r); len(got) != 0 {
		t.Errorf("failures = %+v, want none", got)
	}
	if r.Verdict != report.OK {
		t.Errorf("verdict = %q, want %q", r.Verdict, report.OK)
	}
	if r.Provider == nil || r.Provider.ARN != arn {
		t.Errorf("provider = %+v, want ARN %s", r.Provider, arn)
	}
	if f := only(t, r, report.CheckThumbprint); f.Severity != report.OK {
		t.Errorf("thumbprint finding = %+v, want ok", f)
	}
	if r.Chain == nil || !r.Chain.ThumbprintEnforced {
		t.Errorf("chain = %+v, want the thumbprint enforced for a private CA", r.Chain)
	}
	if len(r.ServiceAccounts) != 1 || r.ServiceAccounts[0].Pods != 1 {
		t.Errorf("service accounts = %+v, want app with 1 pod", r.ServiceAccounts)
	}
	if len(r.AffectedPods) != 0 {
		t.Errorf("affected pods = %+v, want none", r.AffectedPods)
	}
}

// TestDiagnoseStaleEnforcedThumbprint is the outage this tool exists for:
// a private CA, a stale thumbprint in IAM, and a pod that reports it.
func TestDiagnoseStaleEnforcedThumbprint(t *testing.T) {
	requireEnv(t)
	arn := createProvider(t, []string{sts}, []string{staleThumbprint})
	namespace := irsaWorkload(t, nil)
	pod := createPod(t, namespace, "app-1", "app")
	createWarningEvent(t, pod, "BackOff", goV1ThumbprintError)
	want := opensslThumbprint(t, env.IssuerIntermediate)

	res := runPlugin(t, "diagnose", "-n", namespace, "-o", "json")
	r := decodeReport(t, res)

	if res.code != 1 {
		t.Errorf("exit code = %d, want 1\nstderr: %s", res.code, res.stderr)
	}
	f := only(t, r, report.CheckThumbprint)
	if f.Severity != report.Failure {
		t.Errorf("thumbprint severity = %q, want failure", f.Severity)
	}
	if !f.ExplainsErrors {
		t.Errorf("thumbprint finding does not explain the observed errors: %+v", f)
	}
	wantFix := "aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn " + arn + " --thumbprint-list " + staleThumbprint + " " + want
	if f.Fix != wantFix {
		t.Errorf("fix = %q, want %q", f.Fix, wantFix)
	}
	if r.Findings[0].Check != report.CheckThumbprint {
		t.Errorf("first finding = %+v, want the thumbprint finding first", r.Findings[0])
	}
	top := r.Chain.Certificates[len(r.Chain.Certificates)-1]
	if top.Thumbprint != want {
		t.Errorf("top certificate thumbprint = %s, want %s (openssl)", top.Thumbprint, want)
	}

	if len(r.AffectedPods) != 1 {
		t.Fatalf("affected pods = %+v, want app-1 only", r.AffectedPods)
	}
	affected := r.AffectedPods[0]
	if affected.Name != "app-1" || affected.ServiceAccount != "app" {
		t.Errorf("affected = %+v, want pod app-1 of service account app", affected)
	}
	if affected.Cause != "thumbprint-mismatch" || affected.Code != "InvalidIdentityToken" {
		t.Errorf("affected cause = %s %s, want InvalidIdentityToken thumbprint-mismatch", affected.Code, affected.Cause)
	}
	if affected.Workload != "pod/app-1" {
		t.Errorf("affected workload = %q, want pod/app-1 for a pod without a controller", affected.Workload)
	}
	if affected.Count != 3 {
		t.Errorf("affected count = %d, want 3", affected.Count)
	}

	text := runPlugin(t, "diagnose", "-n", namespace)
	if text.code != 1 {
		t.Errorf("text exit code = %d, want 1", text.code)
	}
	if !strings.Contains(text.stdout, wantFix) {
		t.Errorf("text report lacks the fix %q:\n%s", wantFix, text.stdout)
	}
	if !strings.Contains(text.stdout, "app-1") {
		t.Errorf("text report does not list pod app-1:\n%s", text.stdout)
	}
}

func TestDiagnoseStaleThumbprintUnderTrustedCA(t *testing.T) {
	requireEnv(t)
	createProvider(t, []string{sts}, []string{staleThumbprint})
	namespace := irsaWorkload(t, nil)
	trusted := writePEM(t, env.IssuerCA.PEM())

	res := runPlugin(t, "diagnose", "-n", namespace, "-o", "json", "--aws-trusted-ca-file", trusted)
	r := decodeReport(t, res)

	if res.code != 0 {
		t.Errorf("exit code = %d, want 0\nstderr: %s", res.code, res.stderr)
	}
	if f := only(t, r, report.CheckThumbprint); f.Severity != report.Warning {
		t.Errorf("thumbprint finding = %+v, want a warning", f)
	}
	if r.Chain == nil || !r.Chain.PublicRoot || r.Chain.ThumbprintEnforced {
		t.Errorf("chain = %+v, want a trusted root and the thumbprint not enforced", r.Chain)
	}
}

func TestDiagnoseMissingProvider(t *testing.T) {
	requireEnv(t)
	resetIAM(t)
	namespace := irsaWorkload(t, nil)

	res := runPlugin(t, "diagnose", "-n", namespace, "-o", "json")
	r := decodeReport(t, res)

	if res.code != 1 {
		t.Errorf("exit code = %d, want 1\nstderr: %s", res.code, res.stderr)
	}
	f := only(t, r, report.CheckProvider)
	providerURL := strings.TrimPrefix(env.Issuer, "https://")
	if f.Severity != report.Failure || !strings.Contains(f.Summary, providerURL) {
		t.Errorf("provider finding = %+v, want a failure naming %s", f, providerURL)
	}
	if !strings.HasPrefix(f.Fix, "aws iam create-open-id-connect-provider --url "+env.Issuer+" --client-id-list sts.amazonaws.com") {
		t.Errorf("fix = %q, want a create-open-id-connect-provider command", f.Fix)
	}
}

func TestDiagnoseClientIDWithoutSTS(t *testing.T) {
	requireEnv(t)
	top := opensslThumbprint(t, env.IssuerIntermediate)
	arn := createProvider(t, []string{"sts.amazonaws.com.cn"}, []string{top})
	namespace := irsaWorkload(t, nil)

	res := runPlugin(t, "diagnose", "-n", namespace, "-o", "json")
	r := decodeReport(t, res)

	if res.code != 1 {
		t.Errorf("exit code = %d, want 1\nstderr: %s", res.code, res.stderr)
	}
	f := only(t, r, report.CheckAudience)
	if f.Severity != report.Failure {
		t.Errorf("audience severity = %q, want failure", f.Severity)
	}
	wantFix := "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn " + arn + " --client-id sts.amazonaws.com"
	if f.Fix != wantFix {
		t.Errorf("fix = %q, want %q", f.Fix, wantFix)
	}
}

func TestDiagnoseCustomAudience(t *testing.T) {
	requireEnv(t)
	top := opensslThumbprint(t, env.IssuerIntermediate)
	createProvider(t, []string{sts}, []string{top})
	namespace := irsaWorkload(t, map[string]string{
		"eks.amazonaws.com/role-arn": roleARN,
		"eks.amazonaws.com/audience": "vault",
	})

	r := decodeReport(t, runPlugin(t, "diagnose", "-n", namespace, "-o", "json"))

	f := only(t, r, report.CheckAudience)
	if f.Severity != report.Failure || !strings.Contains(f.Summary, `"vault"`) {
		t.Errorf("audience finding = %+v, want a failure naming the audience vault", f)
	}
}

func TestDiagnoseViewerWithoutIssuerDiscovery(t *testing.T) {
	requireEnv(t)
	top := opensslThumbprint(t, env.IssuerIntermediate)
	createProvider(t, []string{sts}, []string{top})
	namespace := irsaWorkload(t, nil)

	denied := runPlugin(t, "diagnose", "--context", "viewer", "-n", namespace)
	if denied.code != 2 {
		t.Errorf("exit code = %d, want 2", denied.code)
	}
	for _, want := range []string{"forbidden", "system:service-account-issuer-discovery", "--issuer"} {
		if !strings.Contains(denied.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, denied.stderr)
		}
	}
	if denied.stdout != "" {
		t.Errorf("stdout = %q, want nothing", denied.stdout)
	}

	res := runPlugin(t, "diagnose", "--context", "viewer", "-n", namespace, "--issuer", env.Issuer, "-o", "json")
	r := decodeReport(t, res)
	if res.code != 0 {
		t.Errorf("with --issuer: exit code = %d, want 0\nstderr: %s", res.code, res.stderr)
	}
	if r.Issuer.Source != "flag" || r.Issuer.URL != env.Issuer {
		t.Errorf("issuer = %+v, want %s from the flag", r.Issuer, env.Issuer)
	}
	if f := only(t, r, report.CheckJWKS); f.Severity != report.Warning {
		t.Errorf("jwks finding = %+v, want a warning that the keys could not be compared", f)
	}
	if f := only(t, r, report.CheckThumbprint); f.Severity != report.OK {
		t.Errorf("thumbprint finding = %+v, want ok", f)
	}
}

// TestDiagnoseJSONMatchesText checks that -o json, -o yaml and the text
// report carry the same findings, fixes and thumbprints.
func TestDiagnoseJSONMatchesText(t *testing.T) {
	requireEnv(t)
	createProvider(t, []string{sts}, []string{staleThumbprint})
	namespace := irsaWorkload(t, nil)

	jsonRes := runPlugin(t, "diagnose", "-n", namespace, "-o", "json")
	textRes := runPlugin(t, "diagnose", "-n", namespace)
	yamlRes := runPlugin(t, "diagnose", "-n", namespace, "-o", "yaml")
	r := decodeReport(t, jsonRes)

	if jsonRes.code != textRes.code || jsonRes.code != yamlRes.code {
		t.Errorf("exit codes json %d, text %d, yaml %d: want equal", jsonRes.code, textRes.code, yamlRes.code)
	}
	if r.SchemaVersion != report.SchemaVersion {
		t.Errorf("schemaVersion = %q, want %q", r.SchemaVersion, report.SchemaVersion)
	}
	for _, f := range r.Findings {
		if !strings.Contains(textRes.stdout, f.Summary) {
			t.Errorf("text report lacks finding %q", f.Summary)
		}
		if f.Fix != "" && !strings.Contains(textRes.stdout, f.Fix) {
			t.Errorf("text report lacks fix %q", f.Fix)
		}
	}
	for _, c := range r.Chain.Certificates {
		if !strings.Contains(textRes.stdout, c.Thumbprint) {
			t.Errorf("text report lacks thumbprint %s", c.Thumbprint)
		}
	}
	var generic map[string]any
	if err := json.Unmarshal([]byte(jsonRes.stdout), &generic); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"schemaVersion", "verdict", "cluster", "issuer", "provider", "chain", "serviceAccounts", "affectedPods", "findings"} {
		if _, ok := generic[field]; !ok {
			t.Errorf("JSON report lacks field %q", field)
		}
	}
	if !strings.Contains(yamlRes.stdout, "schemaVersion: "+report.SchemaVersion) {
		t.Errorf("YAML report lacks the schema version:\n%s", yamlRes.stdout)
	}
}
