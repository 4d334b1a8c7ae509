package e2e

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// policyActions returns the sorted actions that a policy file of deploy/ allows.
func policyActions(t *testing.T, name string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(), "deploy", name))
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Statement []struct {
			Effect string
			Action json.RawMessage
		}
	}
	if err := json.Unmarshal(data, &policy); err != nil {
		t.Fatalf("%s is not a policy document: %v", name, err)
	}

	var actions []string
	for _, s := range policy.Statement {
		var list []string
		if err := json.Unmarshal(s.Action, &list); err != nil {
			var one string
			if err := json.Unmarshal(s.Action, &one); err != nil {
				t.Fatalf("%s: Action is neither a string nor a list: %s", name, s.Action)
			}
			list = []string{one}
		}
		actions = append(actions, list...)
	}
	sort.Strings(actions)

	return actions
}

// sdkCalls returns the IAM operations that the plugin's Go code calls.
func sdkCalls(t *testing.T, files ...string) []string {
	t.Helper()
	call := regexp.MustCompile(`\.(ListOpenIDConnectProviders|GetOpenIDConnectProvider|GetRole|UpdateOpenIDConnectProviderThumbprint|CreateOpenIDConnectProvider|DeleteOpenIDConnectProvider)\(\w*[cC]tx`)
	seen := map[string]bool{}
	for _, file := range files {
		data, err := os.ReadFile(filepath.Join(repoRoot(), file))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(data), -1) {
			seen["iam:"+m[1]] = true
		}
	}
	var calls []string
	for c := range seen {
		calls = append(calls, c)
	}
	sort.Strings(calls)

	return calls
}

// TestIAMPolicyFilesMatchCode checks that the documented policies allow
// exactly the IAM calls that each command makes, and that IAM (moto)
// accepts them as policy documents.
func TestIAMPolicyFilesMatchCode(t *testing.T) {
	requireEnv(t)
	readCalls := sdkCalls(t, "pkg/iamcheck/provider.go", "pkg/iamcheck/role.go")
	updateCalls := sdkCalls(t, "pkg/iamcheck/provider.go", "pkg/cmd/update.go")

	tests := []struct {
		file string
		want []string
	}{
		{file: "iam-policy-diagnose.json", want: readCalls},
		{file: "iam-policy-update.json", want: updateCalls},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			if got := policyActions(t, tt.file); !slices.Equal(got, tt.want) {
				t.Errorf("actions of %s = %v, want the calls in the code %v", tt.file, got, tt.want)
			}
			data, err := os.ReadFile(filepath.Join(repoRoot(), "deploy", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = env.IAM.CreatePolicy(testContext(t), &iam.CreatePolicyInput{
				PolicyName:     aws.String("oidc-thumbprint-" + strings.TrimSuffix(tt.file, ".json")),
				PolicyDocument: aws.String(string(data)),
			})
			var exists *types.EntityAlreadyExistsException
			if err != nil && !errors.As(err, &exists) {
				t.Errorf("IAM rejects %s: %v", tt.file, err)
			}
		})
	}
}
