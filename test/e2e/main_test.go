// Package e2e runs the plugin through the real kubectl against a real etcd
// and kube-apiserver, moto_server as IAM, and a TLS issuer server, all on
// 127.0.0.1. Run it with make test, which builds the cached binaries.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/testenv"
)

// issuerPath mimics the path of an EKS issuer.
const issuerPath = "/id/EXAMPLED539D4633E53DE1B71EXAMPLE"

var (
	env       *testenv.Env
	pluginDir string
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		return m.Run()
	}

	root := repoRoot()
	binDir := os.Getenv("OIDC_THUMBPRINT_BIN_DIR")
	if binDir == "" {
		binDir = filepath.Join(root, "_output", "bin")
	}

	dir, err := os.MkdirTemp("", "oidc-thumbprint-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	pluginDir = filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-o", filepath.Join(pluginDir, "kubectl-oidc_thumbprint"), "./cmd/kubectl-oidc_thumbprint")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: build the plugin: %v\n%s", err, out)
		return 1
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	env, err = testenv.Start(ctx, testenv.Options{BinDir: binDir, IssuerPath: issuerPath})
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: start the test environment: %v\n"+
			"Build the binaries with: make tools\n", err)
		return 1
	}
	defer env.Close()

	return m.Run()
}

// requireEnv skips the test in -short mode, where no environment starts.
func requireEnv(t *testing.T) {
	t.Helper()
	if env == nil {
		t.Skip("end-to-end test: needs the test environment, which -short does not start")
	}
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// result is what one plugin run printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// runPlugin runs "kubectl oidc-thumbprint args..." as a user would, with
// the test kubeconfig and AWS settings that point at moto.
func runPlugin(t *testing.T, args ...string) result {
	t.Helper()
	return runPluginEnv(t, nil, args...)
}

func runPluginEnv(t *testing.T, extraEnv []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"oidc-thumbprint"}, args...)...)
	cmd.Env = append(env.AWSEnvFrom(withoutProxy(os.Environ())),
		"PATH="+pluginDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"KUBECONFIG="+env.Kubeconfig,
	)
	cmd.Env = append(cmd.Env, extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr

	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run kubectl oidc-thumbprint %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("kubectl oidc-thumbprint %s did not finish within 2m", strings.Join(args, " "))
	}

	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// withoutProxy drops proxy settings so that no test traffic can leave the machine.
func withoutProxy(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "KUBECONFIG":
			continue
		}
		out = append(out, kv)
	}

	return out
}
