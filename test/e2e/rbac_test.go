package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
)

const (
	// readerRole is the ClusterRole of deploy/rbac.yaml.
	readerRole = "oidc-thumbprint-reader"
	// operatorContext is the kubeconfig context of the test user "operator",
	// which no role binding names unless a test creates one.
	operatorContext = "operator"
)

// permissionWords are texts of diagnose's findings about a missing permission.
var permissionWords = []string{"forbidden", "system:service-account-issuer-discovery", "grant get and list"}

func TestDiagnoseOperatorWithoutRole(t *testing.T) {
	requireEnv(t)
	namespace := newNamespace(t)

	res := runPlugin(t, "diagnose", "--context", operatorContext, "-n", namespace)

	if res.code != 2 {
		t.Errorf("exit code = %d, want 2\nstderr: %s", res.code, res.stderr)
	}
	for _, want := range []string{"forbidden", "/.well-known/openid-configuration", "system:service-account-issuer-discovery", "--issuer"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
		}
	}
	if res.stdout != "" {
		t.Errorf("stdout = %q, want nothing", res.stdout)
	}
}

// TestDiagnoseWithReaderRole applies deploy/rbac.yaml as a user would and
// checks that the role alone lets diagnose run every check.
func TestDiagnoseWithReaderRole(t *testing.T) {
	requireEnv(t)
	top := opensslThumbprint(t, env.IssuerIntermediate)
	createProvider(t, []string{sts}, []string{top})
	namespace := irsaWorkload(t, nil)
	bindReaderRole(t, operatorContext)

	granted := []struct {
		verb, resource string
		allNamespaces  bool
	}{
		{verb: "get", resource: "/.well-known/openid-configuration"},
		{verb: "get", resource: "/openid/v1/jwks"},
		{verb: "list", resource: "serviceaccounts", allNamespaces: true},
		{verb: "list", resource: "pods", allNamespaces: true},
		{verb: "list", resource: "events", allNamespaces: true},
		{verb: "get", resource: "namespaces/" + namespace},
	}
	for _, g := range granted {
		if !canI(t, operatorContext, g.verb, g.resource, g.allNamespaces) {
			t.Errorf("operator may not %s %s, want the reader role to allow it", g.verb, g.resource)
		}
	}
	denied := []struct{ verb, resource string }{
		{verb: "create", resource: "pods"},
		{verb: "delete", resource: "events"},
		{verb: "watch", resource: "pods"},
		{verb: "get", resource: "secrets"},
	}
	for _, d := range denied {
		if canI(t, operatorContext, d.verb, d.resource, true) {
			t.Errorf("operator may %s %s, want the reader role to be read-only", d.verb, d.resource)
		}
	}

	res := runPlugin(t, "diagnose", "--context", operatorContext, "-n", namespace, "-o", "json")
	r := decodeReport(t, res)

	if res.code != 0 {
		t.Errorf("exit code = %d, want 0\nstderr: %s", res.code, res.stderr)
	}
	checkNoPermissionFindings(t, r)
	if r.Issuer.Source != "api-server" || r.Issuer.URL != env.Issuer {
		t.Errorf("issuer = %+v, want %s from the API server", r.Issuer, env.Issuer)
	}
	if len(r.Issuer.ClusterKeyIDs) == 0 {
		t.Errorf("issuer has no cluster key IDs, want those of /openid/v1/jwks")
	}
	if f := only(t, r, report.CheckJWKS); f.Severity != report.OK {
		t.Errorf("jwks finding = %+v, want ok", f)
	}
	if f := only(t, r, report.CheckWorkloads); f.Severity != report.OK {
		t.Errorf("workloads finding = %+v, want ok", f)
	}
	if len(r.ServiceAccounts) != 1 || r.ServiceAccounts[0].Pods != 1 {
		t.Errorf("service accounts = %+v, want app with 1 pod", r.ServiceAccounts)
	}

	// With the reader role, the operator gets the same findings as the admin.
	admin := decodeReport(t, runPlugin(t, "diagnose", "--context", "admin", "-n", namespace, "-o", "json"))
	if got, want := findingKeys(r), findingKeys(admin); !slices.Equal(got, want) {
		t.Errorf("findings as operator:\n%s\nwant those as admin:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Other tests leave failing workloads in their namespaces, so only the
	// permissions are checked across all namespaces, not the verdict.
	all := runPlugin(t, "diagnose", "--context", operatorContext, "-o", "json")
	if all.code == 2 {
		t.Errorf("all namespaces: exit code = 2, want 0 or 1\nstderr: %s", all.stderr)
	}
	checkNoPermissionFindings(t, decodeReport(t, all))
}

// bindReaderRole applies deploy/rbac.yaml with kubectl as admin, binds the
// role to the user of kubeContext, and waits until the API server authorizes
// the user. Cleanup deletes the binding and the role and waits until the user
// is denied again, so that later tests see the user without rights.
func bindReaderRole(t *testing.T, kubeContext string) {
	t.Helper()
	manifest := filepath.Join(repoRoot(), "deploy", "rbac.yaml")
	binding := readerRole + "-" + kubeContext

	runKubectl(t, "--context", "admin", "apply", "-f", manifest)
	t.Cleanup(func() {
		if out, err := kubectl("--context", "admin", "delete", "--ignore-not-found", "-f", manifest); err != nil {
			t.Errorf("kubectl delete -f %s: %v\n%s", manifest, err, out)
		}
	})
	runKubectl(t, "--context", "admin", "create", "clusterrolebinding", binding,
		"--clusterrole="+readerRole, "--user="+kubeContext)
	t.Cleanup(func() {
		if out, err := kubectl("--context", "admin", "delete", "--ignore-not-found", "clusterrolebinding", binding); err != nil {
			t.Errorf("kubectl delete clusterrolebinding %s: %v\n%s", binding, err, out)
			return
		}
		waitForAuthorization(t, kubeContext, false)
	})

	waitForAuthorization(t, kubeContext, true)
}

// waitForAuthorization waits until the API server's RBAC cache, which
// follows role bindings through a watch, allows (or denies) the user of
// kubeContext to get /openid/v1/jwks.
func waitForAuthorization(t *testing.T, kubeContext string, allowed bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for canI(t, kubeContext, "get", "/openid/v1/jwks", false) != allowed {
		if time.Now().After(deadline) {
			t.Fatalf("kubectl auth can-i get /openid/v1/jwks --context %s did not return %t within 30s", kubeContext, allowed)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// canI returns whether `kubectl auth can-i` allows the user of kubeContext
// the verb on resource, which is a resource type, TYPE/NAME or a
// non-resource URL.
func canI(t *testing.T, kubeContext, verb, resource string, allNamespaces bool) bool {
	t.Helper()
	args := []string{"--context", kubeContext, "auth", "can-i", verb, resource}
	if allNamespaces {
		args = append(args, "--all-namespaces")
	}
	out, err := kubectl(args...)
	answer := strings.TrimSpace(out)
	var exitErr *exec.ExitError
	switch {
	case err == nil && answer == "yes":
		return true
	case errors.As(err, &exitErr) && exitErr.ExitCode() == 1 && strings.HasPrefix(answer, "no"):
		return false
	default:
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		return false
	}
}

// runKubectl runs kubectl with the test kubeconfig and fails the test when
// kubectl fails.
func runKubectl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := kubectl(args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}

	return out
}

// kubectl runs kubectl with the test kubeconfig and returns its stdout. On
// failure the error includes stderr.
func kubectl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	cmd := exec.CommandContext(ctx, "kubectl", args...)
	cmd.Env = append(withoutProxy(os.Environ()), "KUBECONFIG="+env.Kubeconfig)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}

	return stdout.String(), nil
}

// checkNoPermissionFindings fails the test for findings with severity error
// and for findings that name a missing permission.
func checkNoPermissionFindings(t *testing.T, r report.Report) {
	t.Helper()
	for _, f := range r.Findings {
		if f.Severity == report.Error {
			t.Errorf("finding with severity error: %+v", f)
		}
		text := strings.ToLower(f.Summary + "\n" + strings.Join(f.Evidence, "\n") + "\n" + f.Fix)
		for _, word := range permissionWords {
			if strings.Contains(text, word) {
				t.Errorf("finding names a missing permission (%q): %+v", word, f)
			}
		}
	}
}

// findingKeys returns "check severity: summary" for each finding, in report
// order.
func findingKeys(r report.Report) []string {
	keys := make([]string, 0, len(r.Findings))
	for _, f := range r.Findings {
		keys = append(keys, string(f.Check)+" "+string(f.Severity)+": "+f.Summary)
	}

	return keys
}
