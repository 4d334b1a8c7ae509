// Package diagnose runs the checks of an IRSA identity chain concurrently
// and joins their evidence into a report. The checks cover the issuer and its
// public documents, the IAM OIDC provider, the TLS chain of the JWKS host,
// and the workloads that report STS errors.
package diagnose

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/chain"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/iamcheck"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/issuer"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/workload"
)

// Config holds the clients and settings of one diagnosis.
type Config struct {
	// Kube is the cluster's client. Issuer discovery uses its REST client.
	Kube    kubernetes.Interface
	Context string
	Server  string
	// Issuer, when set, replaces the issuer read from the API server.
	Issuer string
	// Namespace limits the workload scan; empty means all namespaces.
	Namespace string
	// LogLines, when positive, scans that many lines from the end of the
	// container logs of pods of annotated service accounts.
	LogLines int64
	// NewIAM creates the IAM client once the issuer is known, since the
	// issuer host may name the region.
	NewIAM func(ctx context.Context, issuerURL string) (iamcheck.Client, error)
	// HTTP fetches the public discovery document and JWKS.
	HTTP  *http.Client
	Chain chain.Options
	// Timeout bounds each network operation that has no bound of its own.
	Timeout time.Duration
	// Profile is the AWS profile to name in the fix commands, if any.
	Profile string
	Now     func() time.Time
	// Progress, when set, receives a line at the start of each phase.
	Progress func(step string)
}

// FatalError means the diagnosis could not run at all.
type FatalError struct {
	Err error
}

func (e *FatalError) Error() string { return e.Err.Error() }
func (e *FatalError) Unwrap() error { return e.Err }

// evidence is everything the checks observed; findings are derived from it
// by pure functions.
type evidence struct {
	issuerURL    string
	issuerSource string
	providerURL  string
	apiIssuer    string

	public       *issuer.Discovery
	publicErr    error
	publicKeys   []string
	publicKeyErr error
	clusterKeys  []string
	clusterErr   error

	iam         iamcheck.Client
	provider    *iamcheck.Provider
	similar     []string
	providerErr error
	// roles holds what was learnt of each role annotation value.
	roles map[string]*roleEvidence

	chainURL string
	chain    *chain.Result
	chainErr error
	// issuerHostChain is the issuer host's chain, dialled only when the JWKS
	// URI is on another host.
	issuerHostChain *chain.Result
	issuerHostErr   error

	workloads *workload.Result

	namespace string
	profile   string
	now       time.Time
}

// Run diagnoses the cluster. It returns a *FatalError when the issuer cannot
// be determined; every other failure becomes a finding in the report.
func Run(ctx context.Context, cfg Config) (*report.Report, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ev := &evidence{namespace: cfg.Namespace, profile: cfg.Profile, now: cfg.Now()}
	progress := cfg.Progress
	if progress == nil {
		progress = func(string) {}
	}

	progress("reading the service account issuer")
	if err := resolveIssuer(ctx, cfg, ev); err != nil {
		return nil, &FatalError{Err: err}
	}
	progress("checking the public issuer, its TLS chain, IAM and the workloads")

	var wg sync.WaitGroup
	run := func(name string, check func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			check()
			klog.V(2).InfoS("check done", "check", name, "duration", time.Since(start))
		}()
	}
	run("public issuer and chain", func() { checkPublic(ctx, cfg, ev) })
	run("cluster keys", func() { ev.clusterKeys, ev.clusterErr = withTimeout(ctx, cfg, clusterKeys(cfg)) })
	run("iam", func() { checkIAM(ctx, cfg, ev) })
	run("workloads", func() {
		ev.workloads = workload.Scan(ctx, cfg.Kube, workload.Options{Namespace: cfg.Namespace, LogLines: cfg.LogLines})
	})
	wg.Wait()

	// Trust policies are read after the scan, which names the roles, and
	// the IAM check, which names the provider's account.
	progress("reading the trust policies of the annotated roles")
	checkRoles(ctx, cfg, ev)

	return ev.report(cfg), nil
}

func resolveIssuer(ctx context.Context, cfg Config, ev *evidence) error {
	apiDoc, apiErr := withTimeout(ctx, cfg, func(ctx context.Context) (*issuer.Discovery, error) {
		return issuer.FromAPIServer(ctx, cfg.Kube.Discovery().RESTClient())
	})
	if apiErr == nil {
		ev.apiIssuer = apiDoc.Issuer
	}

	switch {
	case cfg.Issuer != "":
		ev.issuerURL, ev.issuerSource = cfg.Issuer, "flag"
	case apiErr == nil:
		ev.issuerURL, ev.issuerSource = apiDoc.Issuer, "api-server"
	default:
		return ExplainIssuerError(apiErr)
	}
	klog.V(1).InfoS("issuer", "url", ev.issuerURL, "source", ev.issuerSource)

	providerURL, err := issuer.ProviderURL(ev.issuerURL)
	if err != nil {
		return err
	}
	ev.providerURL = providerURL

	return nil
}

// ExplainIssuerError wraps an error of issuer discovery through the API
// server with what the user can do: grant the permission or pass --issuer.
func ExplainIssuerError(err error) error {
	if errors.Is(err, issuer.ErrForbidden) {
		return fmt.Errorf("%w\n\nThe current user may not read the service account issuer. Either grant it:\n"+
			"  kubectl create clusterrolebinding oidc-thumbprint-issuer-discovery "+
			"--clusterrole=system:service-account-issuer-discovery --user=<your user>\n"+
			"or pass the issuer: --issuer https://<issuer host>/<path>", err)
	}

	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("read the service account issuer: the API server is unreachable: %w\n"+
			"Check that the kubeconfig context points at a running cluster (kubectl cluster-info)", err)
	}

	return fmt.Errorf("read the service account issuer from the API server: %w\n"+
		"Pass --issuer https://<issuer host>/<path> to run without issuer discovery", err)
}

func clusterKeys(cfg Config) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		return issuer.ClusterKeyIDs(ctx, cfg.Kube.Discovery().RESTClient())
	}
}

// checkPublic fetches the public discovery document and JWKS, then inspects
// the TLS chain of the JWKS host, or of the issuer host when discovery failed.
func checkPublic(ctx context.Context, cfg Config, ev *evidence) {
	ev.public, ev.publicErr = withTimeout(ctx, cfg, func(ctx context.Context) (*issuer.Discovery, error) {
		return issuer.FetchDiscovery(ctx, cfg.HTTP, ev.issuerURL)
	})

	ev.chainURL = ev.issuerURL
	if ev.public != nil {
		ev.chainURL = ev.public.JWKSURI
	}

	var wg sync.WaitGroup
	if !sameHost(ev.chainURL, ev.issuerURL) {
		// STS fetches keys from the JWKS host, so only its chain counts; the
		// issuer host's chain is shown because thumbprints are often taken there.
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev.issuerHostChain, ev.issuerHostErr = withTimeout(ctx, cfg, func(ctx context.Context) (*chain.Result, error) {
				return chain.Inspect(ctx, ev.issuerURL, cfg.Chain)
			})
		}()
	}
	if ev.public != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev.publicKeys, ev.publicKeyErr = withTimeout(ctx, cfg, func(ctx context.Context) ([]string, error) {
				return issuer.FetchKeyIDs(ctx, cfg.HTTP, ev.public.JWKSURI)
			})
		}()
	}
	klog.V(1).InfoS("inspecting TLS chain", "url", ev.chainURL)
	ev.chain, ev.chainErr = withTimeout(ctx, cfg, func(ctx context.Context) (*chain.Result, error) {
		return chain.Inspect(ctx, ev.chainURL, cfg.Chain)
	})
	wg.Wait()
}

// sameHost reports whether two https URLs name the same host and port.
func sameHost(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil {
		return true
	}

	return strings.EqualFold(ua.Hostname(), ub.Hostname()) && portOrDefault(ua) == portOrDefault(ub)
}

func portOrDefault(u *url.URL) string {
	if port := u.Port(); port != "" {
		return port
	}

	return "443"
}

func checkIAM(ctx context.Context, cfg Config, ev *evidence) {
	api, err := cfg.NewIAM(ctx, ev.issuerURL)
	if err != nil {
		ev.providerErr = err
		return
	}
	ev.iam = api

	type found struct {
		provider *iamcheck.Provider
		similar  []string
	}
	result, err := withTimeout(ctx, cfg, func(ctx context.Context) (found, error) {
		provider, similar, err := iamcheck.FindProvider(ctx, api, ev.providerURL)
		return found{provider, similar}, err
	})
	ev.provider, ev.similar, ev.providerErr = result.provider, result.similar, err
}

// withTimeout runs op with cfg.Timeout as its deadline, when one is set.
func withTimeout[T any](ctx context.Context, cfg Config, op func(context.Context) (T, error)) (T, error) {
	if cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Timeout)
		defer cancel()
	}

	return op(ctx)
}
