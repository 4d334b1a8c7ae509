package cmd

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/chain"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/diagnose"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/iamcheck"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/issuer"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
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
	configFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams

	Issuer           string
	AllNamespaces    bool
	Output           string
	Profile          string
	Region           string
	AWSTrustedCAFile string

	namespace string
	config    diagnose.Config
}

// NewDiagnoseOptions returns options with every default set.
func NewDiagnoseOptions(streams genericiooptions.IOStreams) *DiagnoseOptions {
	return &DiagnoseOptions{
		configFlags: genericclioptions.NewConfigFlags(true),
		IOStreams:   streams,
		Output:      "text",
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
		Args:    cobra.NoArgs,
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

	o.configFlags.AddFlags(cmd.Flags())
	flags := cmd.Flags()
	flags.StringVar(&o.Issuer, "issuer", o.Issuer,
		"Service account issuer URL to diagnose, instead of reading it from the API server")
	flags.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", o.AllNamespaces,
		"Scan service accounts, pods and events in all namespaces (the default unless -n is given)")
	flags.StringVarP(&o.Output, "output", "o", o.Output,
		"Output format: "+strings.Join(report.Formats, ", "))
	flags.StringVar(&o.Profile, "profile", o.Profile,
		"AWS shared configuration profile (default: AWS_PROFILE or the default chain)")
	flags.StringVar(&o.Region, "region", o.Region,
		"AWS region (default: the AWS configuration, else the region in the issuer host, else "+defaultIAMRegion+")")
	flags.StringVar(&o.AWSTrustedCAFile, "aws-trusted-ca-file", o.AWSTrustedCAFile,
		"PEM file of the root CAs treated as trusted by AWS, replacing the built-in Mozilla root bundle")

	return cmd
}

// Complete resolves the kubeconfig, the clients and the trusted roots.
func (o *DiagnoseOptions) Complete(cmd *cobra.Command) error {
	if cmd.Flags().Changed("namespace") && !o.AllNamespaces {
		o.namespace = *o.configFlags.Namespace
	}

	timeout, err := parseRequestTimeout(o.configFlags)
	if err != nil {
		return err
	}

	restConfig, err := o.configFlags.ToRESTConfig()
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	if restConfig.Timeout == 0 {
		restConfig.Timeout = timeout
	}
	kube, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return fmt.Errorf("create Kubernetes client: %w", err)
	}

	chainOptions := chain.Options{}
	if o.AWSTrustedCAFile != "" {
		roots, err := chain.LoadRoots(o.AWSTrustedCAFile)
		if err != nil {
			return fmt.Errorf("invalid --aws-trusted-ca-file: %w", err)
		}
		chainOptions.TrustedRoots = roots
	}

	o.config = diagnose.Config{
		Kube:      kube,
		Context:   o.currentContext(),
		Server:    restConfig.Host,
		Issuer:    o.Issuer,
		Namespace: o.namespace,
		HTTP:      publicHTTPClient(timeout),
		Chain:     chainOptions,
		Timeout:   timeout,
		Profile:   o.Profile,
		NewIAM:    o.newIAM,
	}

	return nil
}

// Validate checks flag values and combinations.
func (o *DiagnoseOptions) Validate() error {
	if !slices.Contains(report.Formats, o.Output) {
		return fmt.Errorf("invalid value %q for --output: allowed values are %s", o.Output, strings.Join(report.Formats, ", "))
	}
	if o.Issuer != "" {
		if _, err := issuer.ParseIssuer(o.Issuer); err != nil {
			return fmt.Errorf("invalid --issuer: %w", err)
		}
	}

	return nil
}

// Run diagnoses the cluster, writes the report and returns an *ExitError
// when the verdict is not OK.
func (o *DiagnoseOptions) Run(ctx context.Context) error {
	r, err := diagnose.Run(ctx, o.config)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if err := report.Write(o.Out, r, o.Output); err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if code := report.ExitCode(r.Verdict); code != 0 {
		return &ExitError{Code: code}
	}

	return nil
}

// parseRequestTimeout reads --request-timeout as kubectl does, and returns
// DefaultTimeout for 0, kubectl's "no timeout".
func parseRequestTimeout(flags *genericclioptions.ConfigFlags) (time.Duration, error) {
	value := "0"
	if flags.Timeout != nil && *flags.Timeout != "" {
		value = *flags.Timeout
	}
	timeout, err := time.ParseDuration(value)
	if err != nil {
		// kubectl also accepts a bare number of seconds.
		timeout, err = time.ParseDuration(value + "s")
	}
	if err != nil || timeout < 0 {
		return 0, fmt.Errorf("invalid value %q for --request-timeout: use a duration such as 30s or 1m, or 0 for the default of %s", value, DefaultTimeout)
	}
	if timeout == 0 {
		return DefaultTimeout, nil
	}

	return timeout, nil
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

// newIAM loads the AWS configuration through the SDK's default chain, so
// AWS_PROFILE, AWS_REGION and AWS_ENDPOINT_URL_IAM apply as usual.
func (o *DiagnoseOptions) newIAM(ctx context.Context, issuerURL string) (iamcheck.API, error) {
	var loadOptions []func(*awsconfig.LoadOptions) error
	if o.Profile != "" {
		loadOptions = append(loadOptions, awsconfig.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		loadOptions = append(loadOptions, awsconfig.WithRegion(o.Region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, loadOptions...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = regionForIssuer(issuerURL)
	}

	return iam.NewFromConfig(cfg), nil
}

func regionForIssuer(issuerURL string) string {
	if u, err := issuer.ParseIssuer(issuerURL); err == nil {
		if region := issuer.RegionFromHost(u.Hostname()); region != "" {
			return region
		}
	}

	return defaultIAMRegion
}

// publicHTTPClient returns the client for the public discovery document and
// JWKS. It skips certificate verification because the issuer may use a
// private CA, which IAM accepts through the thumbprint. The chain check
// judges that trust separately, and no credential is sent.
func publicHTTPClient(timeout time.Duration) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, //nolint:gosec // see the function comment
	}

	return &http.Client{Transport: transport, Timeout: timeout}
}
