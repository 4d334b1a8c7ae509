package cmd

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/spf13/cobra"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/chain"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/diagnose"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/issuer"
)

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

// issuerOptions holds the flags and settings that every command reaching
// the issuer shares: the kubeconfig, --issuer and --aws-trusted-ca-file.
type issuerOptions struct {
	configFlags      *genericclioptions.ConfigFlags
	Issuer           string
	AWSTrustedCAFile string

	timeout time.Duration
	chain   chain.Options
}

func newIssuerOptions() issuerOptions {
	return issuerOptions{configFlags: genericclioptions.NewConfigFlags(true)}
}

// addFlags adds kubectl's kubeconfig flags, --issuer and --aws-trusted-ca-file.
func (o *issuerOptions) addFlags(cmd *cobra.Command) {
	addKubeFlags(cmd, o.configFlags)
	cmd.Flags().StringVar(&o.Issuer, "issuer", o.Issuer,
		"Service account issuer URL, instead of reading it from the API server")
	cmd.Flags().StringVar(&o.AWSTrustedCAFile, "aws-trusted-ca-file", o.AWSTrustedCAFile,
		"PEM file of the root CAs treated as trusted by AWS, replacing the built-in Mozilla root bundle")
}

// complete resolves the request timeout and the trusted roots.
func (o *issuerOptions) complete() error {
	timeout, err := parseRequestTimeout(o.configFlags)
	if err != nil {
		return err
	}
	o.timeout = timeout
	o.chain, err = chainOptionsFor(o.AWSTrustedCAFile)

	return err
}

// validateIssuer checks --issuer, when it is set.
func (o *issuerOptions) validateIssuer() error {
	if o.Issuer == "" {
		return nil
	}
	if _, err := issuer.ParseIssuer(o.Issuer); err != nil {
		return fmt.Errorf("invalid --issuer: %w", err)
	}

	return nil
}

// issuerURL returns --issuer, or else the issuer read from the API server.
func (o *issuerOptions) issuerURL(ctx context.Context) (string, error) {
	if o.Issuer != "" {
		return o.Issuer, nil
	}

	return discoverIssuer(ctx, o.configFlags, o.timeout)
}

// useColor reports whether to colour output written to w: only on a
// terminal, and never when NO_COLOR is set (https://no-color.org) or TERM is dumb.
func useColor(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}

	return isTerminal(w)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressPrinter returns a function that writes each step to w once the
// run has taken longer than after, so quick runs print nothing.
func progressPrinter(w io.Writer, start time.Time, after time.Duration) func(string) {
	return func(step string) {
		if time.Since(start) >= after {
			fmt.Fprintf(w, "... %s\n", step)
		}
	}
}

// addKubeFlags adds kubectl's kubeconfig flags to cmd, with the help of
// --request-timeout saying what it bounds here.
func addKubeFlags(cmd *cobra.Command, flags *genericclioptions.ConfigFlags) {
	flags.AddFlags(cmd.Flags())
	if timeout := cmd.Flags().Lookup("request-timeout"); timeout != nil {
		timeout.Usage = "Bound of each request: Kubernetes, IAM, the discovery document, the JWKS and the TLS handshake. " +
			"A duration such as 10s or 1m; 0 means the default of " + DefaultTimeout.String()
	}
}

// kubeClient builds the Kubernetes client of the kubeconfig flags, with
// timeout as the request timeout when the kubeconfig sets none.
func kubeClient(flags *genericclioptions.ConfigFlags, timeout time.Duration) (kubernetes.Interface, *rest.Config, error) {
	restConfig, err := flags.ToRESTConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	if restConfig.Timeout == 0 {
		restConfig.Timeout = timeout
	}
	// client-go's default of 5 requests per second would throttle the
	// paginated lists of a large cluster: 20,000 pods are 40 pages.
	if restConfig.QPS == 0 {
		restConfig.QPS = 50
		restConfig.Burst = 100
	}
	kube, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return nil, nil, fmt.Errorf("create Kubernetes client: %w", err)
	}

	return kube, restConfig, nil
}

// discoverIssuer reads the service account issuer from the API server.
func discoverIssuer(ctx context.Context, flags *genericclioptions.ConfigFlags, timeout time.Duration) (string, error) {
	kube, _, err := kubeClient(flags, timeout)
	if err != nil {
		return "", err
	}
	doc, err := issuer.FromAPIServer(ctx, kube.Discovery().RESTClient())
	if err != nil {
		return "", diagnose.ExplainIssuerError(err)
	}

	return doc.Issuer, nil
}

// inspectJWKSHost reads the issuer's public discovery document and returns
// it with the chain that the host of its jwks_uri presents.
func inspectJWKSHost(ctx context.Context, issuerURL string, timeout time.Duration, options chain.Options) (*issuer.Discovery, *chain.Result, error) {
	fetchCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	doc, err := issuer.FetchDiscovery(fetchCtx, publicHTTPClient(timeout), issuerURL)
	if err != nil {
		return nil, nil, fmt.Errorf("read the public discovery document: %w", err)
	}

	dialCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	presented, err := chain.Inspect(dialCtx, doc.JWKSURI, options)
	if err != nil {
		return nil, nil, err
	}

	return doc, presented, nil
}

// chainOptionsFor returns chain options whose trusted roots come from
// caFile, the value of --aws-trusted-ca-file, when it is set.
func chainOptionsFor(caFile string) (chain.Options, error) {
	if caFile == "" {
		return chain.Options{}, nil
	}
	roots, err := chain.LoadRoots(caFile)
	if err != nil {
		return chain.Options{}, fmt.Errorf("invalid --aws-trusted-ca-file: %w", err)
	}

	return chain.Options{TrustedRoots: roots}, nil
}

// newIAMClient loads the AWS configuration through the SDK's default chain,
// so AWS_PROFILE, AWS_REGION and AWS_ENDPOINT_URL_IAM apply as usual.
func newIAMClient(ctx context.Context, profile, region, issuerURL string) (*iam.Client, error) {
	var loadOptions []func(*awsconfig.LoadOptions) error
	if profile != "" {
		loadOptions = append(loadOptions, awsconfig.WithSharedConfigProfile(profile))
	}
	if region != "" {
		loadOptions = append(loadOptions, awsconfig.WithRegion(region))
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
