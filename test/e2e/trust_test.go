package e2e

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
)

// policyStatements wraps statements in a policy document.
func policyStatements(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// webIdentityStatement returns a statement for the test provider with the
// given effect and condition block.
func webIdentityStatement(effect, condition string) string {
	url := strings.TrimPrefix(env.Issuer, "https://")
	return `{"Effect":"` + effect + `","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/` + url + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":` + condition + `}`
}

func stringCondition(operator, claim, value string) string {
	url := strings.TrimPrefix(env.Issuer, "https://")
	return `{"` + operator + `":{"` + url + `:` + claim + `":"` + value + `"}}`
}

func TestDiagnoseTrustPolicies(t *testing.T) {
	requireEnv(t)
	createProvider(t, []string{sts}, []string{opensslThumbprint(t, env.IssuerIntermediate)})

	tests := []struct {
		name string
		// policy builds the trust policy for the service account app in namespace.
		policy       func(namespace string) string
		wantSeverity report.Severity
		// want are substrings of the finding's summary, evidence and fix.
		want []string
	}{
		{
			name:         "sub naming another namespace",
			policy:       func(ns string) string { return trustPolicy("other", "app", sts) },
			wantSeverity: report.Failure,
			want:         []string{"system:serviceaccount:other:app", "system:serviceaccount:" + "%NS%" + ":app"},
		},
		{
			name: "StringLike wildcard that matches",
			policy: func(ns string) string {
				return policyStatements(webIdentityStatement("Allow", stringCondition("StringLike", "sub", "system:serviceaccount:"+ns+":*")))
			},
			wantSeverity: report.OK,
		},
		{
			name:         "aud condition wrong",
			policy:       func(ns string) string { return trustPolicy(ns, "app", "sts.amazonaws.com.cn") },
			wantSeverity: report.Failure,
			want:         []string{":aud", "sts.amazonaws.com"},
		},
		{
			name: "Deny statement",
			policy: func(ns string) string {
				return policyStatements(
					webIdentityStatement("Allow", stringCondition("StringEquals", "sub", "system:serviceaccount:"+ns+":app")),
					webIdentityStatement("Deny", stringCondition("StringLike", "sub", "system:serviceaccount:*")),
				)
			},
			wantSeverity: report.Failure,
			want:         []string{"denies"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			namespace := irsaWorkload(t, nil)
			putRole(t, "app", "/", tt.policy(namespace))

			res := runPlugin(t, "diagnose", "-n", namespace, "-o", "json")
			r := decodeReport(t, res)

			f := trustFinding(t, r)
			t.Logf("trust finding: %+v", f)
			if f.Severity != tt.wantSeverity {
				t.Errorf("trust severity = %q, want %q: %+v", f.Severity, tt.wantSeverity, f)
			}
			text := f.Summary + "\n" + strings.Join(f.Evidence, "\n") + "\n" + f.Fix
			for _, want := range tt.want {
				want = strings.ReplaceAll(want, "%NS%", namespace)
				if !strings.Contains(text, want) {
					t.Errorf("trust finding lacks %q:\n%s", want, text)
				}
			}
			wantCode := 0
			if tt.wantSeverity == report.Failure {
				wantCode = 1
			}
			if res.code != wantCode {
				t.Errorf("exit code = %d, want %d\nstderr: %s", res.code, wantCode, res.stderr)
			}
		})
	}
}

func TestDiagnoseRoleAnnotations(t *testing.T) {
	requireEnv(t)
	createProvider(t, []string{sts}, []string{opensslThumbprint(t, env.IssuerIntermediate)})

	tests := []struct {
		name         string
		annotation   string
		wantSeverity report.Severity
		want         string
	}{
		{name: "role missing", annotation: "arn:aws:iam::123456789012:role/missing", wantSeverity: report.Failure, want: "does not exist"},
		{name: "role with a path", annotation: "arn:aws:iam::123456789012:role/team/app/pathapp", wantSeverity: report.OK},
		{name: "aws-cn partition", annotation: "arn:aws-cn:iam::123456789012:role/app", wantSeverity: report.Warning, want: "not verifiable with these credentials"},
		{name: "us-gov other account", annotation: "arn:aws-us-gov:iam::210987654321:role/app", wantSeverity: report.Warning, want: "not verifiable with these credentials"},
		{name: "malformed annotation", annotation: "arn:aws:iam::12345:role/app", wantSeverity: report.Failure, want: `"arn:aws:iam::12345:role/app"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			namespace := newNamespace(t)
			putRole(t, "pathapp", "/team/app/", trustPolicy(namespace, "app", sts))
			createServiceAccount(t, namespace, "app", map[string]string{"eks.amazonaws.com/role-arn": tt.annotation})
			createPod(t, namespace, "app-0", "app")

			r := decodeReport(t, runPlugin(t, "diagnose", "-n", namespace, "-o", "json"))

			f := trustFinding(t, r)
			t.Logf("trust finding: %+v", f)
			if f.Severity != tt.wantSeverity {
				t.Errorf("trust severity = %q, want %q: %+v", f.Severity, tt.wantSeverity, f)
			}
			if !strings.Contains(f.Summary, tt.want) {
				t.Errorf("trust summary = %q, want it to contain %q", f.Summary, tt.want)
			}
		})
	}
}

// TestDiagnoseAccessDeniedOnVolumeClaim covers an error reported on another
// kind of object: a CSI controller whose own role does not trust it reports
// AccessDenied on a PersistentVolumeClaim.
func TestDiagnoseAccessDeniedOnVolumeClaim(t *testing.T) {
	requireEnv(t)
	createProvider(t, []string{sts}, []string{opensslThumbprint(t, env.IssuerIntermediate)})
	namespace := newNamespace(t)
	const controllerRole = "arn:aws:iam::123456789012:role/ebs-csi"
	// The policy names kube-system, but the controller runs in namespace.
	putRole(t, "ebs-csi", "/", trustPolicy("kube-system", "ebs-csi-controller-sa", sts))
	createServiceAccount(t, namespace, "ebs-csi-controller-sa", map[string]string{"eks.amazonaws.com/role-arn": controllerRole})
	controller := createPod(t, namespace, "ebs-csi-controller-6f7d8c9b5-k2x4z", "ebs-csi-controller-sa")
	ownByDeploymentNamed(t, controller, "ebs-csi-controller", "6f7d8c9b5")

	now := metav1.NewTime(time.Now())
	event := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{GenerateName: "data.", Namespace: namespace},
		InvolvedObject: corev1.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: namespace, Name: "data", APIVersion: "v1"},
		Reason:         "ProvisioningFailed",
		Message: "failed to provision volume with StorageClass \"gp3\": rpc error: code = Internal desc = " +
			"An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: " +
			"Not authorized to perform sts:AssumeRoleWithWebIdentity",
		Type:           corev1.EventTypeWarning,
		Count:          4,
		FirstTimestamp: now,
		LastTimestamp:  now,
		Source:         corev1.EventSource{Component: "ebs.csi.aws.com_" + controller.Name},
	}
	if _, err := env.Admin.CoreV1().Events(namespace).Create(testContext(t), event, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create event: %v", err)
	}

	res := runPlugin(t, "diagnose", "-n", namespace, "-o", "json")
	r := decodeReport(t, res)

	if res.code != 1 {
		t.Errorf("exit code = %d, want 1", res.code)
	}
	f := trustFinding(t, r)
	if f.Severity != report.Failure || !f.ExplainsErrors {
		t.Errorf("trust finding = %+v, want a failure that explains the errors", f)
	}
	if want := "system:serviceaccount:" + namespace + ":ebs-csi-controller-sa"; !strings.Contains(f.Fix, want) {
		t.Errorf("trust fix = %q, want the sub %s", f.Fix, want)
	}
	if len(r.AffectedPods) != 1 {
		t.Fatalf("affected = %+v, want the claim data only", r.AffectedPods)
	}
	affected := r.AffectedPods[0]
	if affected.Kind != "PersistentVolumeClaim" || affected.Cause != "access-denied" {
		t.Errorf("affected = %s %s, want PersistentVolumeClaim access-denied", affected.Kind, affected.Cause)
	}
	if affected.ServiceAccount != "ebs-csi-controller-sa" {
		t.Errorf("affected service account = %q, want the controller's", affected.ServiceAccount)
	}
	if affected.Workload != "deployment/ebs-csi-controller" {
		t.Errorf("affected workload = %q, want deployment/ebs-csi-controller", affected.Workload)
	}
	if affected.Role != controllerRole {
		t.Errorf("affected role = %q, want %s", affected.Role, controllerRole)
	}
}

func trustFinding(t *testing.T, r report.Report) report.Finding {
	t.Helper()
	return only(t, r, report.CheckTrust)
}
