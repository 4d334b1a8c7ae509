package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// completionScript is the executable that kubectl 1.26 and newer runs to
// complete the arguments of the plugin oidc-thumbprint.
const completionScript = "kubectl_complete-oidc_thumbprint"

// TestCompletionThroughKubectl runs kubectl's own completion, as a shell
// does on Tab, with cmd/kubectl_complete-oidc_thumbprint and the plugin on
// PATH.
func TestCompletionThroughKubectl(t *testing.T) {
	requireEnv(t)
	scriptDir := t.TempDir()
	script, err := os.ReadFile(filepath.Join(repoRoot(), "cmd", completionScript))
	if err != nil {
		t.Fatalf("read the completion script: %v", err)
	}
	if err := os.WriteFile(filepath.Join(scriptDir, completionScript), script, 0o755); err != nil {
		t.Fatalf("copy the completion script: %v", err)
	}

	commands := completeWithKubectl(t, scriptDir, "oidc-thumbprint", "")
	for _, want := range []string{"diagnose", "thumbprint", "update", "version"} {
		if !slices.Contains(commands, want) {
			t.Errorf("completions of \"kubectl oidc-thumbprint \" = %q, want %q among them", commands, want)
		}
	}

	flags := completeWithKubectl(t, scriptDir, "oidc-thumbprint", "diagnose", "--out")
	if !slices.Contains(flags, "--output") {
		t.Errorf("completions of \"kubectl oidc-thumbprint diagnose --out\" = %q, want --output among them", flags)
	}
}

// TestCompletionWithoutScript shows that the candidates come from the
// script: without it kubectl completes no plugin arguments.
func TestCompletionWithoutScript(t *testing.T) {
	requireEnv(t)

	commands := completeWithKubectl(t, "", "oidc-thumbprint", "")
	if slices.Contains(commands, "diagnose") {
		t.Errorf("completions without %s = %q, want no plugin commands", completionScript, commands)
	}
}

// completeWithKubectl runs "kubectl __complete words..." with extraDir (when
// not empty) and pluginDir first on PATH, and returns the candidates without
// their descriptions and without cobra's final ":<directive>" line.
func completeWithKubectl(t *testing.T, extraDir string, words ...string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	path := pluginDir + string(os.PathListSeparator) + os.Getenv("PATH")
	if extraDir != "" {
		path = extraDir + string(os.PathListSeparator) + path
	}
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"__complete"}, words...)...)
	cmd.Env = append(withoutProxy(os.Environ()), "PATH="+path, "KUBECONFIG="+env.Kubeconfig)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl __complete %q: %v\nstderr: %s", words, err, stderr.String())
	}

	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], ":") {
		t.Fatalf("kubectl __complete %q printed no directive line:\n%s\nstderr: %s", words, stdout.String(), stderr.String())
	}
	var candidates []string
	for _, line := range lines[:len(lines)-1] {
		candidate, _, _ := strings.Cut(line, "\t")
		candidates = append(candidates, candidate)
	}

	return candidates
}
