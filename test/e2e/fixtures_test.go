package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/certgen"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/testenv"
)

const (
	roleARN = "arn:aws:iam::123456789012:role/app"
	// staleThumbprint matches no certificate of the test chains.
	staleThumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	// goV1ThumbprintError is how the AWS SDK for Go v1 prints the error.
	goV1ThumbprintError = "WebIdentityErr: failed to retrieve credentials\ncaused by: InvalidIdentityToken: " +
		"OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint\n" +
		"\tstatus code: 400, request id: 3a8f3f5e-7d0c-4b55-9a3c-2a1f1e0b9c11"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)

	return ctx
}

// newNamespace creates a namespace for one test. Namespaces are never
// deleted because no namespace controller runs, so each name is unique.
func newNamespace(t *testing.T) string {
	t.Helper()
	name := strings.ToLower(regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(t.Name(), "-"))
	name = strings.Trim(name, "-")
	if len(name) > 50 {
		name = name[:50]
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: name + "-"}}
	created, err := env.Admin.CoreV1().Namespaces().Create(testContext(t), ns, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}

	return created.Name
}

func createServiceAccount(t *testing.T, namespace, name string, annotations map[string]string) {
	t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Annotations: annotations}}
	if _, err := env.Admin.CoreV1().ServiceAccounts(namespace).Create(testContext(t), sa, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create service account %s/%s: %v", namespace, name, err)
	}
}

// createPod creates a pod of serviceAccount. When the service account has
// the role annotation, the pod gets the env and token volume that the EKS
// pod identity webhook would add, since no webhook runs in the test cluster.
func createPod(t *testing.T, namespace, name, serviceAccount string) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: corev1.PodSpec{
			ServiceAccountName: serviceAccount,
			Containers:         []corev1.Container{{Name: "app", Image: "registry.invalid/app:1"}},
		},
	}
	sa, err := env.Admin.CoreV1().ServiceAccounts(namespace).Get(testContext(t), serviceAccount, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get service account %s/%s: %v", namespace, serviceAccount, err)
	}
	if role, ok := sa.Annotations["eks.amazonaws.com/role-arn"]; ok {
		audience := sa.Annotations["eks.amazonaws.com/audience"]
		if audience == "" {
			audience = sts
		}
		testenv.InjectWebIdentity(pod, role, audience)
	}

	created, err := env.Admin.CoreV1().Pods(namespace).Create(testContext(t), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s/%s: %v", namespace, name, err)
	}

	return created
}

// createWarningEvent records a Warning event about pod, as a kubelet would.
func createWarningEvent(t *testing.T, pod *corev1.Pod, reason, message string) {
	t.Helper()
	now := metav1.NewTime(time.Now())
	event := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: pod.Name + ".", Namespace: pod.Namespace},
		InvolvedObject: corev1.ObjectReference{
			Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID, APIVersion: "v1",
		},
		Reason:         reason,
		Message:        message,
		Type:           corev1.EventTypeWarning,
		Count:          3,
		FirstTimestamp: now,
		LastTimestamp:  now,
		Source:         corev1.EventSource{Component: "kubelet"},
	}
	if _, err := env.Admin.CoreV1().Events(pod.Namespace).Create(testContext(t), event, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create event: %v", err)
	}
}

// createProvider replaces every OIDC provider in moto with one for the test
// issuer. Roles stay, so the order of createProvider and irsaWorkload does
// not matter.
func createProvider(t *testing.T, clientIDs, thumbprints []string) string {
	t.Helper()
	ctx := testContext(t)
	list, err := env.IAM.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		t.Fatalf("list IAM OIDC providers: %v", err)
	}
	for _, p := range list.OpenIDConnectProviderList {
		if _, err := env.IAM.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: p.Arn}); err != nil {
			t.Fatalf("delete IAM OIDC provider: %v", err)
		}
	}
	out, err := env.IAM.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url:            aws.String(env.Issuer),
		ClientIDList:   clientIDs,
		ThumbprintList: thumbprints,
	})
	if err != nil {
		t.Fatalf("create IAM OIDC provider: %v", err)
	}

	return aws.ToString(out.OpenIDConnectProviderArn)
}

// putRole creates role name with a trust policy, or replaces the policy of
// an existing role.
func putRole(t *testing.T, name, path, policy string) {
	t.Helper()
	ctx := testContext(t)
	_, err := env.IAM.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(name),
		Path:                     aws.String(path),
		AssumeRolePolicyDocument: aws.String(policy),
	})
	var exists *types.EntityAlreadyExistsException
	if errors.As(err, &exists) {
		_, err = env.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
			RoleName:       aws.String(name),
			PolicyDocument: aws.String(policy),
		})
	}
	if err != nil {
		t.Fatalf("put role %s: %v", name, err)
	}
}

// trustPolicy returns the trust policy that eksctl writes for a service
// account of the test issuer.
func trustPolicy(namespace, serviceAccount, audience string) string {
	url := strings.TrimPrefix(env.Issuer, "https://")
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/` + url + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{` +
		`"` + url + `:sub":"system:serviceaccount:` + namespace + `:` + serviceAccount + `",` +
		`"` + url + `:aud":"` + audience + `"}}}]}`
}

func resetIAM(t *testing.T) {
	t.Helper()
	if err := env.ResetIAM(testContext(t)); err != nil {
		t.Fatalf("reset IAM: %v", err)
	}
}

// opensslThumbprint computes a certificate's thumbprint with openssl, an
// oracle independent of the plugin's code.
func opensslThumbprint(t *testing.T, cert *certgen.Cert) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(path, cert.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("openssl", "x509", "-noout", "-fingerprint", "-sha1", "-in", path).Output()
	if err != nil {
		t.Fatalf("openssl x509 -fingerprint: %v", err)
	}
	_, fingerprint, ok := strings.Cut(strings.TrimSpace(string(out)), "=")
	if !ok {
		t.Fatalf("unexpected openssl output %q", out)
	}

	return strings.ToLower(strings.ReplaceAll(fingerprint, ":", ""))
}

func writePEM(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bundle.pem")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}

	return path
}

func decodeReport(t *testing.T, res result) report.Report {
	t.Helper()
	var r report.Report
	if err := json.Unmarshal([]byte(res.stdout), &r); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\nstdout:\n%s\nstderr:\n%s", err, res.stdout, res.stderr)
	}

	return r
}

// findings returns the findings of one check.
func findings(r report.Report, check report.Check) []report.Finding {
	var out []report.Finding
	for _, f := range r.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}

	return out
}

// only returns the single finding of a check, failing the test otherwise.
func only(t *testing.T, r report.Report, check report.Check) report.Finding {
	t.Helper()
	found := findings(r, check)
	if len(found) != 1 {
		t.Fatalf("findings of check %q = %+v, want exactly one", check, found)
	}

	return found[0]
}

func failures(r report.Report) []report.Finding {
	var out []report.Finding
	for _, f := range r.Findings {
		if f.Severity == report.Failure {
			out = append(out, f)
		}
	}

	return out
}
