package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func TestDiagnoseOptionsValidate(t *testing.T) {
	tests := []struct {
		name   string
		output string
		issuer string
		// wantErr lists substrings of the expected error, or none for success.
		wantErr []string
	}{
		{name: "defaults", output: "text"},
		{name: "json", output: "json"},
		{name: "yaml", output: "yaml"},
		{name: "valid issuer", output: "text", issuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"},
		{
			name:    "unknown output",
			output:  "wide",
			wantErr: []string{`invalid value "wide" for --output`, "allowed values are text, json, yaml"},
		},
		{
			name:    "output is case-sensitive",
			output:  "JSON",
			wantErr: []string{`invalid value "JSON" for --output`},
		},
		{
			name:    "http issuer",
			output:  "text",
			issuer:  "http://issuer.example.com",
			wantErr: []string{"invalid --issuer", "http://issuer.example.com", "scheme must be https"},
		},
		{
			name:    "issuer with query",
			output:  "text",
			issuer:  "https://issuer.example.com/id?x=1",
			wantErr: []string{"invalid --issuer", "query"},
		},
		{
			name:    "issuer without scheme",
			output:  "json",
			issuer:  "oidc.eks.eu-west-1.amazonaws.com/id/ABC",
			wantErr: []string{"invalid --issuer"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			streams, _, _, _ := genericiooptions.NewTestIOStreams()
			o := NewDiagnoseOptions(streams)
			o.Output = tt.output
			o.Issuer = tt.issuer

			err := o.Validate()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Errorf("Validate(output %q, issuer %q) = %v, want nil", tt.output, tt.issuer, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate(output %q, issuer %q) = nil, want an error containing %q", tt.output, tt.issuer, tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Validate(output %q, issuer %q) = %q, want it to contain %q", tt.output, tt.issuer, err, want)
				}
			}
		})
	}
}

func TestNewDiagnoseOptionsDefaults(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	o := NewDiagnoseOptions(streams)

	if o.Output != "text" {
		t.Errorf("NewDiagnoseOptions().Output = %q, want %q", o.Output, "text")
	}
	if err := o.Validate(); err != nil {
		t.Errorf("NewDiagnoseOptions().Validate() = %v, want nil", err)
	}
}

// runRoot runs the root command with args and returns its stdout, stderr
// and error.
func runRoot(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	root := NewCmdRoot(streams)
	root.SetArgs(args)

	err = root.Execute()

	return out.String(), errOut.String(), err
}

func TestVersionText(t *testing.T) {
	stdout, stderr, err := runRoot(t, "version")
	if err != nil {
		t.Fatalf("version error = %v, want nil", err)
	}

	want := fmt.Sprintf("%s (commit %s, %s, %s/%s)\n", version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if stdout != want {
		t.Errorf("version stdout = %q, want %q", stdout, want)
	}
	if stderr != "" {
		t.Errorf("version stderr = %q, want empty", stderr)
	}
}

func TestVersionJSON(t *testing.T) {
	for _, args := range [][]string{{"version", "-o", "json"}, {"version", "--output=json"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdout, stderr, err := runRoot(t, args...)
			if err != nil {
				t.Fatalf("%s error = %v, want nil", args, err)
			}
			if stderr != "" {
				t.Errorf("%s stderr = %q, want empty", args, stderr)
			}

			var fields map[string]string
			if err := json.Unmarshal([]byte(stdout), &fields); err != nil {
				t.Fatalf("%s stdout = %q, want a JSON object: %v", args, stdout, err)
			}
			want := map[string]string{
				"version":   version,
				"commit":    commit,
				"goVersion": runtime.Version(),
				"platform":  runtime.GOOS + "/" + runtime.GOARCH,
			}
			for key, value := range want {
				if fields[key] != value {
					t.Errorf("%s field %q = %q, want %q", args, key, fields[key], value)
				}
			}
			if len(fields) != len(want) {
				t.Errorf("%s fields = %q, want exactly %d fields", args, fields, len(want))
			}
			if !strings.HasSuffix(stdout, "}\n") {
				t.Errorf("%s stdout = %q, want it to end with a newline", args, stdout)
			}
		})
	}
}

func TestVersionErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "unknown output", args: []string{"version", "-o", "yaml"}, wantErr: `invalid value "yaml" for --output`},
		{name: "extra argument", args: []string{"version", "now"}, wantErr: `unknown command "now"`},
		{name: "unknown flag", args: []string{"version", "--short"}, wantErr: "unknown flag: --short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := runRoot(t, tt.args...)
			if err == nil {
				t.Fatalf("%s error = nil, want %q", tt.args, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s error = %q, want it to contain %q", tt.args, err, tt.wantErr)
			}
			if stdout != "" {
				t.Errorf("%s stdout = %q, want empty", tt.args, stdout)
			}
			// The root command silences cobra's error and usage output, so
			// main prints the error once.
			if stderr != "" {
				t.Errorf("%s stderr = %q, want empty", tt.args, stderr)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{name: "exit error", err: &ExitError{Code: 2, Err: errors.New("invalid --issuer")}, want: 2},
		{name: "exit error without message", err: &ExitError{Code: 1}, want: 1},
		{name: "wrapped exit error", err: fmt.Errorf("diagnose: %w", &ExitError{Code: 2}), want: 2},
		{name: "exit code zero", err: &ExitError{Code: 0}, want: 0},
		{name: "plain error", err: errors.New("unknown flag: --bogus"), want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExitCode(tt.err); got != tt.want {
				t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestExitErrorMessage(t *testing.T) {
	inner := errors.New("load kubeconfig: no configuration")
	tests := []struct {
		name string
		err  *ExitError
		want string
	}{
		{name: "with error", err: &ExitError{Code: 2, Err: inner}, want: "load kubeconfig: no configuration"},
		{name: "without error", err: &ExitError{Code: 1}, want: "exit code 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("(%#v).Error() = %q, want %q", tt.err, got, tt.want)
			}
		})
	}

	if !errors.Is(&ExitError{Code: 2, Err: inner}, inner) {
		t.Errorf("errors.Is(ExitError{Err: inner}, inner) = false, want true")
	}
}
