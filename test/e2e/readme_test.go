package e2e

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readmeCommands returns the kubectl oidc-thumbprint command lines of the
// README's shell blocks, without their comments.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	file, err := os.Open(filepath.Join(repoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()

	var commands []string
	inShell := false
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		line := scanner.Text()
		switch {
		case strings.HasPrefix(line, "```sh"):
			inShell = true
		case strings.HasPrefix(line, "```"):
			inShell = false
		case inShell && strings.HasPrefix(line, "kubectl oidc-thumbprint"):
			command, _, _ := strings.Cut(line, "#")
			commands = append(commands, strings.TrimSpace(command))
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}

	return commands
}

// TestReadmeCommandsParse runs every plugin command of the README with
// --help appended, so that a renamed command or flag fails here: flags are
// parsed before help is shown.
func TestReadmeCommandsParse(t *testing.T) {
	requireEnv(t)
	commands := readmeCommands(t)
	if len(commands) < 5 {
		t.Fatalf("found %d plugin commands in README.md, want the quick start's", len(commands))
	}
	placeholders := strings.NewReplacer("URL", env.Issuer, "chain.pem", filepath.Join(t.TempDir(), "chain.pem"))

	for _, command := range commands {
		t.Run(command, func(t *testing.T) {
			args := strings.Fields(placeholders.Replace(command))[2:]

			res := runPlugin(t, append(args, "--help")...)

			if res.code != 0 {
				t.Errorf("exit code = %d, want 0\nstderr: %s", res.code, res.stderr)
			}
			if !strings.Contains(res.stdout, "Usage:") {
				t.Errorf("stdout lacks the usage text:\n%s", res.stdout)
			}
		})
	}
}
