package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// providerThumbprints reads the provider's list from moto.
func providerThumbprints(t *testing.T, arn string) []string {
	t.Helper()
	out, err := env.IAM.GetOpenIDConnectProvider(testContext(t), &iam.GetOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String(arn),
	})
	if err != nil {
		t.Fatalf("get IAM OIDC provider: %v", err)
	}

	return out.ThumbprintList
}

func TestUpdateDryRunChangesNothing(t *testing.T) {
	requireEnv(t)
	arn := createProvider(t, []string{sts}, []string{staleThumbprint})
	top := opensslThumbprint(t, env.IssuerIntermediate)

	res := runPlugin(t, "update")

	if res.code != 0 {
		t.Errorf("exit code = %d, want 0\nstderr: %s", res.code, res.stderr)
	}
	for _, want := range []string{"Current:    " + staleThumbprint, "New:        " + staleThumbprint + " " + top, "Dry run", "--thumbprint-list " + staleThumbprint + " " + top} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, res.stdout)
		}
	}
	if got := providerThumbprints(t, arn); !slices.Equal(got, []string{staleThumbprint}) {
		t.Errorf("thumbprints after a dry run = %v, want %v unchanged", got, []string{staleThumbprint})
	}
}

func TestUpdateAppliesOnceWithYes(t *testing.T) {
	requireEnv(t)
	arn := createProvider(t, []string{sts}, []string{staleThumbprint})
	want := []string{staleThumbprint, opensslThumbprint(t, env.IssuerIntermediate)}

	first := runPlugin(t, "update", "--yes")

	if first.code != 0 {
		t.Errorf("first run: exit code = %d, want 0\nstderr: %s", first.code, first.stderr)
	}
	if !strings.Contains(first.stdout, "Updated") {
		t.Errorf("first run: stdout lacks Updated:\n%s", first.stdout)
	}
	if got := providerThumbprints(t, arn); !slices.Equal(got, want) {
		t.Errorf("thumbprints after the update = %v, want %v", got, want)
	}

	second := runPlugin(t, "update", "--yes")

	if second.code != 0 {
		t.Errorf("second run: exit code = %d, want 0\nstderr: %s", second.code, second.stderr)
	}
	if !strings.Contains(second.stdout, "nothing to change") {
		t.Errorf("second run: stdout lacks \"nothing to change\":\n%s", second.stdout)
	}
	if got := providerThumbprints(t, arn); !slices.Equal(got, want) {
		t.Errorf("thumbprints after the second run = %v, want %v", got, want)
	}

	diagnosed := decodeReport(t, runPlugin(t, "diagnose", "-n", irsaWorkload(t, nil), "-o", "json"))
	if f := only(t, diagnosed, "thumbprint"); f.Severity != "ok" {
		t.Errorf("thumbprint finding after the update = %+v, want ok", f)
	}
}

func TestUpdateKeepsFiveWithinLimit(t *testing.T) {
	requireEnv(t)
	current := []string{
		"1111111111111111111111111111111111111111",
		"2222222222222222222222222222222222222222",
		"3333333333333333333333333333333333333333",
		"4444444444444444444444444444444444444444",
		"5555555555555555555555555555555555555555",
	}
	arn := createProvider(t, []string{sts}, current)
	top := opensslThumbprint(t, env.IssuerIntermediate)

	res := runPlugin(t, "update", "--yes")

	if res.code != 0 {
		t.Fatalf("exit code = %d, want 0\nstderr: %s", res.code, res.stderr)
	}
	got := providerThumbprints(t, arn)
	if len(got) != 5 {
		t.Errorf("thumbprints = %v, want 5 entries", got)
	}
	if !slices.Contains(got, top) {
		t.Errorf("thumbprints = %v, want the top certificate's %s", got, top)
	}
	if !strings.Contains(res.stdout, "Dropped:") {
		t.Errorf("stdout does not say which entry was dropped:\n%s", res.stdout)
	}
}

func TestUpdateRejections(t *testing.T) {
	requireEnv(t)
	trusted := writePEM(t, env.IssuerCA.PEM())

	tests := []struct {
		name     string
		args     []string
		extraEnv []string
		want     string
	}{
		{
			name: "trusted chain",
			args: []string{"--yes", "--aws-trusted-ca-file", trusted},
			want: "IAM does not consult the thumbprint",
		},
		{
			name:     "chain trusted only by this machine",
			args:     []string{"--yes"},
			extraEnv: []string{"SSL_CERT_FILE=" + trusted},
			want:     "pass --force if the CA is your own",
		},
		{
			name: "unreachable issuer",
			args: []string{"--yes", "--issuer", "https://127.0.0.1:1" + issuerPath, "--request-timeout", "5s"},
			want: "no update",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arn := createProvider(t, []string{sts}, []string{staleThumbprint})

			res := runPluginEnv(t, tt.extraEnv, append([]string{"update"}, tt.args...)...)

			if res.code == 0 {
				t.Errorf("exit code = 0, want non-zero\nstdout: %s", res.stdout)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", res.stderr, tt.want)
			}
			if got := providerThumbprints(t, arn); !slices.Equal(got, []string{staleThumbprint}) {
				t.Errorf("thumbprints = %v, want %v unchanged", got, []string{staleThumbprint})
			}
		})
	}
}

func TestUpdateForceOnTrustedChain(t *testing.T) {
	requireEnv(t)
	arn := createProvider(t, []string{sts}, []string{staleThumbprint})
	trusted := writePEM(t, env.IssuerCA.PEM())

	res := runPlugin(t, "update", "--yes", "--force", "--aws-trusted-ca-file", trusted)

	if res.code != 0 {
		t.Errorf("exit code = %d, want 0\nstderr: %s", res.code, res.stderr)
	}
	if got := providerThumbprints(t, arn); len(got) != 2 {
		t.Errorf("thumbprints = %v, want the stale entry and the top certificate's", got)
	}
}

func TestUpdateMissingProvider(t *testing.T) {
	requireEnv(t)
	resetIAM(t)

	res := runPlugin(t, "update", "--yes")

	if res.code == 0 {
		t.Errorf("exit code = 0, want non-zero")
	}
	if !strings.Contains(res.stderr, "no IAM OIDC provider") {
		t.Errorf("stderr = %q, want it to name the missing provider", res.stderr)
	}
}
