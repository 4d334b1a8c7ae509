package cmd

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/diagnose"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/iamcheck"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/workload"
)

// DefaultTimeout bounds each network operation outside the Kubernetes
// client when --request-timeout is 0, kubectl's "no timeout".
const DefaultTimeout = 30 * time.Second

// defaultIAMRegion is used when neither --region, the AWS configuration nor
// the issuer host names a region. IAM is a global service in the aws
// partition, so any region of that partition reaches the same data.
const defaultIAMRegion = "us-east-1"

var diagnoseExample = `  # Diagnose the cluster of the current context, all namespaces
  kubectl oidc-thumbprint diagnose

  # Only one namespace, with an AWS profile
  kubectl oidc-thumbprint diagnose -n payments --profile prod

  # The user may not read issuer discovery: name the issuer
  kubectl oidc-thumbprint diagnose --issuer https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE

  # Machine-readable report
  kubectl oidc-thumbprint diagnose -o json`

// DiagnoseOptions holds the flags and resolved clients of diagnose.
type DiagnoseOptions struct {
	issuerOptions
	genericiooptions.IOStreams

	AllNamespaces bool
	Output        string
	Profile       string
	Region        string
	Logs          bool
	LogLines      int64

	namespace string
	config    diagnose.Config
}

// NewDiagnoseOptions returns options with every default set.
func NewDiagnoseOptions(streams genericiooptions.IOStreams) *DiagnoseOptions {
	return &DiagnoseOptions{
		issuerOptions: newIssuerOptions(),
		IOStreams:     streams,
		Output:        "text",
		LogLines:      workload.DefaultLogLines,
	}
}

// NewCmdDiagnose returns the diagnose command.
func NewCmdDiagnose(streams genericiooptions.IOStreams) *cobra.Command {
	o := NewDiagnoseOptions(streams)
	cmd := &cobra.Command{
		Use:   "diagnose",
		Short: "Check the IRSA identity chain of the current cluster and print a verdict with fixes",
		Long: `Check the IRSA identity chain of the current cluster and print a verdict with fixes.

Exit codes: 0 when no check fails (warnings allowed), 1 when a check fails,
2 when the diagnosis could not run or some checks could not run.`,
		Example: diagnoseExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(cmd); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			if err := o.Validate(); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			return o.Run(cmd.Context())
		},
	}

	o.addFlags(cmd)
	flags := cmd.Flags()
	flags.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", o.AllNamespaces,
		"Scan service accounts, pods and events in all namespaces (the default unless -n is given)")
	flags.StringVarP(&o.Output, "output", "o", o.Output,
		"Output format: "+strings.Join(report.Formats, ", "))
	flags.StringVar(&o.Profile, "profile", o.Profile,
		"AWS shared configuration profile (default: AWS_PROFILE or the default chain)")
	flags.StringVar(&o.Region, "region", o.Region,
		"AWS region (default: the AWS configuration, else the region in the issuer host, else "+defaultIAMRegion+")")
	flags.BoolVar(&o.Logs, "logs", o.Logs,
		fmt.Sprintf("Also scan the container logs of pods of annotated service accounts for STS errors (at most %d pods, 4 logs at a time)", workload.MaxLogPods))
	flags.Int64Var(&o.LogLines, "log-lines", o.LogLines,
		"Lines read from the end of each container log with --logs")

	return cmd
}

// Complete resolves the kubeconfig, the clients and the trusted roots.
func (o *DiagnoseOptions) Complete(cmd *cobra.Command) error {
	if cmd.Flags().Changed("namespace") && !o.AllNamespaces {
		o.namespace = *o.configFlags.Namespace
	}

	if err := o.complete(); err != nil {
		return err
	}
	kube, restConfig, err := kubeClient(o.configFlags, o.timeout)
	if err != nil {
		return err
	}

	o.config = diagnose.Config{
		Kube:      kube,
		Context:   o.currentContext(),
		Server:    restConfig.Host,
		Issuer:    o.Issuer,
		Namespace: o.namespace,
		LogLines:  o.logLines(),
		HTTP:      publicHTTPClient(o.timeout),
		Chain:     o.chain,
		Timeout:   o.timeout,
		Profile:   o.Profile,
		NewIAM: func(ctx context.Context, issuerURL string) (iamcheck.Client, error) {
			return newIAMClient(ctx, o.Profile, o.Region, issuerURL)
		},
	}

	return nil
}

func (o *DiagnoseOptions) logLines() int64 {
	if !o.Logs {
		return 0
	}

	return o.LogLines
}

// Validate checks flag values and combinations.
func (o *DiagnoseOptions) Validate() error {
	if o.LogLines < 1 || o.LogLines > 10000 {
		return fmt.Errorf("invalid value %d for --log-lines: use 1 to 10000", o.LogLines)
	}
	if !slices.Contains(report.Formats, o.Output) {
		return fmt.Errorf("invalid value %q for --output: allowed values are %s", o.Output, strings.Join(report.Formats, ", "))
	}
	if err := o.validateIssuer(); err != nil {
		return err
	}

	return nil
}

// Run diagnoses the cluster, writes the report and returns an *ExitError
// when the verdict is not OK.
func (o *DiagnoseOptions) Run(ctx context.Context) error {
	if isTerminal(o.ErrOut) {
		o.config.Progress = progressPrinter(o.ErrOut, time.Now(), time.Second)
	}
	r, err := diagnose.Run(ctx, o.config)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	printer := report.Printer{Color: useColor(o.Out)}
	if err := printer.Write(o.Out, r, o.Output); err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if code := report.ExitCode(r.Verdict); code != 0 {
		return &ExitError{Code: code}
	}

	return nil
}

func (o *DiagnoseOptions) currentContext() string {
	raw, err := o.configFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return ""
	}
	if o.configFlags.Context != nil && *o.configFlags.Context != "" {
		return *o.configFlags.Context
	}

	return raw.CurrentContext
}
