// Package cmd holds the cobra commands of kubectl oidc-thumbprint.
package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"
)

// ExitError carries the exit code of a command. Err, when set, is printed.
// A nil Err means the command already wrote its output, such as a report.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit code %d", e.Code)
	}

	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode returns the process exit code for an error from a command:
// the code of an *ExitError, otherwise 1.
func ExitCode(err error) int {
	var exit *ExitError
	if errors.As(err, &exit) {
		return exit.Code
	}

	return 1
}

// noArgs rejects positional arguments with exit code 2.
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return &ExitError{Code: 2, Err: err}
	}

	return nil
}

// options is a command's options: resolved by Complete, checked by
// Validate, then carried out by Run.
type options interface {
	Complete() error
	Validate() error
	Run(ctx context.Context) error
}

// runE returns a cobra RunE for o. Errors of Complete and Validate come
// from the command line, so they exit 2.
func runE(o options) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		if err := o.Complete(); err != nil {
			return &ExitError{Code: 2, Err: err}
		}
		if err := o.Validate(); err != nil {
			return &ExitError{Code: 2, Err: err}
		}

		return o.Run(cmd.Context())
	}
}

// NewCmdRoot returns the root command with every subcommand.
func NewCmdRoot(streams genericiooptions.IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "oidc-thumbprint",
		Short: "Find out why pods fail to get AWS credentials through IRSA",
		Long: `Find out why pods on an EKS or other IRSA cluster fail to get AWS credentials
with InvalidIdentityToken, and how to fix it.

diagnose checks the whole identity chain: the service account issuer, its public
discovery document and keys, the IAM OIDC identity provider (URL, client IDs,
thumbprints), the TLS chain of the JWKS host, and the workloads that report STS
errors.`,
		Annotations: map[string]string{
			cobra.CommandDisplayNameAnnotation: "kubectl oidc-thumbprint",
		},
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Usage errors exit 2 in every command, as diagnose's "could not run".
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &ExitError{Code: 2, Err: err}
	})
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)

	// Only klog's -v is shown, as in kubectl.
	klogFlags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(klogFlags)
	root.PersistentFlags().AddGoFlag(klogFlags.Lookup("v"))
	root.PersistentFlags().Lookup("v").Shorthand = "v"

	root.AddCommand(NewCmdDiagnose(streams))
	root.AddCommand(NewCmdThumbprint(streams))
	root.AddCommand(NewCmdUpdate(streams))
	root.AddCommand(NewCmdVersion(streams))

	return root
}
