// Command demo starts a sandbox cluster on 127.0.0.1 whose IAM OIDC
// provider holds a stale thumbprint for an issuer under a private CA, runs
// kubectl oidc-thumbprint diagnose on it, applies the printed fix, and runs
// the diagnosis again. make demo builds the binaries it needs.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/testenv"
)

const (
	namespace = "payments"
	// staleThumbprint is a well-known value that matches no sandbox certificate.
	staleThumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	eventMessage    = "WebIdentityErr: failed to retrieve credentials\ncaused by: InvalidIdentityToken: " +
		"OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint\n" +
		"\tstatus code: 400, request id: 3a8f3f5e-7d0c-4b55-9a3c-2a1f1e0b9c11"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	binDir := os.Getenv("OIDC_THUMBPRINT_BIN_DIR")
	if binDir == "" {
		binDir = filepath.Join("_output", "bin")
	}
	binDir, err := filepath.Abs(binDir)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	step("Starting etcd, kube-apiserver, moto_server (IAM) and an issuer server on 127.0.0.1")
	env, err := testenv.Start(ctx, testenv.Options{BinDir: binDir, IssuerPath: "/id/EXAMPLED539D4633E53DE1B71EXAMPLE"})
	if err != nil {
		return err
	}
	defer env.Close()

	step("Breaking it: IAM holds the stale thumbprint " + staleThumbprint + ", and a pod reports the error")
	if err := seed(ctx, env); err != nil {
		return err
	}

	step("kubectl oidc-thumbprint diagnose")
	if code := runPlugin(env, binDir, "diagnose"); code != 1 {
		return fmt.Errorf("diagnose exited with %d, expected 1 on the broken sandbox", code)
	}

	step("kubectl oidc-thumbprint update --yes")
	if code := runPlugin(env, binDir, "update", "--yes"); code != 0 {
		return fmt.Errorf("update exited with %d, expected 0", code)
	}
	// The pod restarts and its old error events are gone.
	if err := env.Admin.CoreV1().Events(namespace).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		return fmt.Errorf("delete the old events: %w", err)
	}

	step("kubectl oidc-thumbprint diagnose, after the fix")
	if code := runPlugin(env, binDir, "diagnose"); code != 0 {
		return fmt.Errorf("diagnose exited with %d after the fix, expected 0", code)
	}

	return nil
}

func step(message string) {
	fmt.Printf("\n==> %s\n\n", message)
}

// seed creates the provider with a stale thumbprint, the role with its
// trust policy, an annotated service account, its pods, and Warning events
// with the AWS SDK for Go v1 error.
func seed(ctx context.Context, env *testenv.Env) error {
	out, err := env.IAM.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url:            aws.String(env.Issuer),
		ClientIDList:   []string{"sts.amazonaws.com"},
		ThumbprintList: []string{staleThumbprint},
	})
	if err != nil {
		return fmt.Errorf("create the IAM OIDC provider: %w", err)
	}

	url := strings.TrimPrefix(env.Issuer, "https://")
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"Federated":"` + aws.ToString(out.OpenIDConnectProviderArn) + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{` +
		`"` + url + `:sub":"system:serviceaccount:` + namespace + `:ledger","` + url + `:aud":"sts.amazonaws.com"}}}]}`
	if _, err := env.IAM.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("ledger"),
		AssumeRolePolicyDocument: aws.String(policy),
	}); err != nil {
		return fmt.Errorf("create the role: %w", err)
	}

	core := env.Admin.CoreV1()
	if _, err := core.Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{}); err != nil {
		return err
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{
		Name:        "ledger",
		Namespace:   namespace,
		Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/ledger"},
	}}
	if _, err := core.ServiceAccounts(namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		return err
	}
	for _, name := range []string{"ledger-7d9f8b6c4-2xkqp", "ledger-7d9f8b6c4-9wz4m"} {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
			Spec: corev1.PodSpec{
				ServiceAccountName: "ledger",
				Containers:         []corev1.Container{{Name: "ledger", Image: "registry.invalid/ledger:1.4"}},
			},
		}
		testenv.InjectWebIdentity(pod, sa.Annotations["eks.amazonaws.com/role-arn"], "sts.amazonaws.com")
		// The pods belong to Deployment ledger through its ReplicaSet.
		controller := true
		pod.Labels = map[string]string{"pod-template-hash": "7d9f8b6c4"}
		pod.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "ledger-7d9f8b6c4",
			UID: "5f0c3d52-9a7e-4c3b-8f1e-2b6d4a9c7e10", Controller: &controller,
		}}
		created, err := core.Pods(namespace).Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		now := metav1.NewTime(time.Now())
		event := &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{GenerateName: name + ".", Namespace: namespace},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: namespace, Name: name, UID: created.UID, APIVersion: "v1"},
			Reason:         "BackOff",
			Message:        eventMessage,
			Type:           corev1.EventTypeWarning,
			Count:          12,
			FirstTimestamp: now,
			LastTimestamp:  now,
			Source:         corev1.EventSource{Component: "kubelet"},
		}
		if _, err := core.Events(namespace).Create(ctx, event, metav1.CreateOptions{}); err != nil {
			return err
		}
	}

	return nil
}

// runPlugin runs the plugin through kubectl, printing its output, and
// returns its exit code.
func runPlugin(env *testenv.Env, binDir string, args ...string) int {
	cmd := plugin(env, binDir, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo: run kubectl:", err)
		return -1
	}

	return 0
}

func plugin(env *testenv.Env, binDir string, args ...string) *exec.Cmd {
	cmd := exec.Command("kubectl", append([]string{"oidc-thumbprint"}, args...)...)
	cmd.Env = append(env.AWSEnvFrom(os.Environ()),
		"PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"KUBECONFIG="+env.Kubeconfig,
	)

	return cmd
}
