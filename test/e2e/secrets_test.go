package e2e

import (
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

// TestNoCredentialInOutput runs diagnose at the highest log verbosity and
// checks that neither the kubeconfig's bearer token nor the AWS secret key
// appears in stdout or stderr.
func TestNoCredentialInOutput(t *testing.T) {
	requireEnv(t)
	createProvider(t, []string{sts}, []string{opensslThumbprint(t, env.IssuerIntermediate)})
	namespace := irsaWorkload(t, nil)
	config, err := clientcmd.LoadFromFile(env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	token := config.AuthInfos["admin"].Token
	if len(token) < 16 {
		t.Fatalf("admin token %q is too short to search for", token)
	}
	// moto accepts any secret; a distinctive one can be searched for.
	const secret = "s3cr3t-aws-key-that-must-never-be-printed"

	res := runPluginEnv(t, []string{"AWS_SECRET_ACCESS_KEY=" + secret}, "diagnose", "-n", namespace, "-v", "10")

	if res.code != 0 {
		t.Errorf("exit code = %d, want 0", res.code)
	}
	if !strings.Contains(res.stderr, "GET") {
		t.Errorf("stderr has no request logs at -v 10, so the check below proves nothing:\n%.2000s", res.stderr)
	}
	for name, value := range map[string]string{"bearer token": token, "AWS secret key": secret} {
		if strings.Contains(res.stdout, value) {
			t.Errorf("stdout contains the %s", name)
		}
		if strings.Contains(res.stderr, value) {
			t.Errorf("stderr contains the %s", name)
		}
	}
}
