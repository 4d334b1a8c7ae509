package e2e

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
)

// annotate sets the role annotation of a service account, as an operator
// does after its pods already run.
func annotate(t *testing.T, namespace, name, role string) {
	t.Helper()
	sa, err := env.Admin.CoreV1().ServiceAccounts(namespace).Get(testContext(t), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get service account: %v", err)
	}
	if sa.Annotations == nil {
		sa.Annotations = map[string]string{}
	}
	sa.Annotations["eks.amazonaws.com/role-arn"] = role
	if _, err := env.Admin.CoreV1().ServiceAccounts(namespace).Update(testContext(t), sa, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("annotate service account: %v", err)
	}
}

// ownByDeployment makes pod look like a pod of Deployment "app".
func ownByDeployment(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	ownByDeploymentNamed(t, pod, "app", "5d8f7c9b6")
}

// ownByDeploymentNamed makes pod look like a pod of Deployment deployment:
// owned by its ReplicaSet, with the pod-template-hash label.
func ownByDeploymentNamed(t *testing.T, pod *corev1.Pod, deployment, hash string) {
	t.Helper()
	controller := true
	pod.Labels = map[string]string{"pod-template-hash": hash}
	pod.OwnerReferences = []metav1.OwnerReference{{
		APIVersion: "apps/v1", Kind: "ReplicaSet", Name: deployment + "-" + hash,
		UID: types.UID("00000000-0000-0000-0000-000000000001"), Controller: &controller,
	}}
	if _, err := env.Admin.CoreV1().Pods(pod.Namespace).Update(testContext(t), pod, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("set the owner of pod %s: %v", pod.Name, err)
	}
}

func TestDiagnosePodCreatedBeforeAnnotation(t *testing.T) {
	requireEnv(t)
	createProvider(t, []string{sts}, []string{opensslThumbprint(t, env.IssuerIntermediate)})
	namespace := newNamespace(t)
	createServiceAccount(t, namespace, "app", nil)
	ownByDeployment(t, createPod(t, namespace, "app-5d8f7c9b6-x2k4p", "app"))
	annotate(t, namespace, "app", roleARN)

	res := runPlugin(t, "diagnose", "-n", namespace, "-o", "json")
	r := decodeReport(t, res)

	if res.code != 1 {
		t.Errorf("exit code = %d, want 1\nstderr: %s", res.code, res.stderr)
	}
	f := only(t, r, report.CheckPods)
	if f.Severity != report.Failure {
		t.Errorf("pods severity = %q, want failure", f.Severity)
	}
	if !strings.Contains(f.Summary, "lack AWS_ROLE_ARN") {
		t.Errorf("pods summary = %q, want it to say the pods lack AWS_ROLE_ARN", f.Summary)
	}
	if want := "kubectl rollout restart deployment/app -n " + namespace; f.Fix != want {
		t.Errorf("fix = %q, want %q", f.Fix, want)
	}
}

func TestDiagnoseStaleRoleARN(t *testing.T) {
	requireEnv(t)
	createProvider(t, []string{sts}, []string{opensslThumbprint(t, env.IssuerIntermediate)})
	namespace := irsaWorkload(t, nil)
	annotate(t, namespace, "app", "arn:aws:iam::123456789012:role/app-v2")

	res := runPlugin(t, "diagnose", "-n", namespace, "-o", "json")
	r := decodeReport(t, res)

	if res.code != 1 {
		t.Errorf("exit code = %d, want 1\nstderr: %s", res.code, res.stderr)
	}
	f := only(t, r, report.CheckPods)
	if !strings.Contains(f.Summary, "differs from their service account's annotation") {
		t.Errorf("pods summary = %q, want the stale role", f.Summary)
	}
	if evidence := strings.Join(f.Evidence, "\n"); !strings.Contains(evidence, roleARN) || !strings.Contains(evidence, "role/app-v2") {
		t.Errorf("evidence = %q, want both role ARNs", evidence)
	}
	if want := "kubectl delete pod app-0 -n " + namespace; f.Fix != want {
		t.Errorf("fix = %q, want %q", f.Fix, want)
	}
}

// TestDiagnoseLogs runs --logs on the test cluster. No kubelet runs, so the
// API server returns an empty log for a pod without a node. A user without
// get on pods/log gets 403, which the report must name.
func TestDiagnoseLogs(t *testing.T) {
	requireEnv(t)
	createProvider(t, []string{sts}, []string{opensslThumbprint(t, env.IssuerIntermediate)})
	namespace := irsaWorkload(t, nil)

	admin := runPlugin(t, "diagnose", "-n", namespace, "-o", "json", "--logs", "--log-lines", "20")
	r := decodeReport(t, admin)

	if admin.code != 0 {
		t.Errorf("admin: exit code = %d, want 0\nstderr: %s", admin.code, admin.stderr)
	}
	scanned := findings(r, report.CheckWorkloads)
	if len(scanned) != 1 || !strings.Contains(strings.Join(scanned[0].Evidence, "\n"), "the last lines of 1 log(s)") {
		t.Errorf("admin: workloads findings = %+v, want one saying 1 log was scanned", scanned)
	}

	viewer := runPlugin(t, "diagnose", "--context", "viewer", "--issuer", env.Issuer, "-n", namespace, "-o", "json", "--logs")
	r = decodeReport(t, viewer)

	var warning *report.Finding
	for _, f := range findings(r, report.CheckWorkloads) {
		if f.Severity == report.Warning {
			warning = &f
		}
	}
	if warning == nil {
		t.Fatalf("viewer: workloads findings = %+v, want a warning that the logs could not be read", findings(r, report.CheckWorkloads))
	}
	if !strings.Contains(warning.Summary, "1 container log(s) could not be read") {
		t.Errorf("viewer: warning summary = %q, want 1 unreadable log", warning.Summary)
	}
	if warning.Fix != "grant get on pods/log" {
		t.Errorf("viewer: warning fix = %q, want the pods/log permission", warning.Fix)
	}
}
