// Package testenv runs a real Kubernetes control plane, an OIDC issuer server
// and a mock IAM service on 127.0.0.1 for end-to-end tests and the demo
// sandbox.
//
// The environment has etcd, kube-apiserver, moto_server (moto 5) and an HTTPS
// issuer server in this process. No controller manager, scheduler or kubelet
// runs. So pods stay Pending, and namespaces get no "default" ServiceAccount:
// create the ServiceAccount that a pod names before creating the pod, or the
// ServiceAccount admission plugin rejects it.
package testenv

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/certgen"
)

// Names of the binaries that Options.BinDir must contain.
const (
	EtcdBinary      = "etcd"
	APIServerBinary = "kube-apiserver"
	// MotoBinary is looked up on PATH.
	MotoBinary = "moto_server"
)

// BuildHint is the command, run from the repository root, that builds the
// binaries of Options.BinDir into _output/bin.
const BuildHint = "cd hack/tools && go build -o ../../_output/bin/ ./etcd k8s.io/kubernetes/cmd/kube-apiserver"

// MotoInstallHint is the command that installs moto_server.
const MotoInstallHint = "pip install 'moto[server]>=5,<6'"

// Options configures Start.
type Options struct {
	// BinDir is the directory that contains the etcd and kube-apiserver binaries.
	BinDir string
	// Dir is the working directory for certificates, data and logs. When it
	// is empty, Start creates a temporary directory and Close removes it.
	// Close keeps a directory that the caller gave.
	Dir string
	// IssuerPath is the path part of the issuer URL, for example
	// "/id/EXAMPLED539D4633E53DE1B71EXAMPLE". It is empty or starts with "/",
	// and it does not end with "/".
	IssuerPath string
	// Logf receives progress messages. Nil means silent.
	Logf func(format string, args ...any)
}

// Env is a running test environment. Its fields are set by Start and must
// not be changed.
type Env struct {
	// Dir is the working directory with certificates, data and the logs
	// etcd.log, kube-apiserver.log and moto.log.
	Dir string
	// Kubeconfig is the path of a kubeconfig file with three contexts. The
	// current context "admin" is a user in group system:masters. The context
	// "viewer" is a user that may get, list and watch serviceaccounts, pods,
	// events and namespaces in all namespaces. The viewer gets 403 for
	// /.well-known/openid-configuration and /openid/v1/jwks. The context
	// "operator" is a user that no role binding names. It has only the
	// default rights of system:authenticated, such as API discovery, so it
	// gets 403 for every object and for issuer discovery until a test binds
	// a role to the user "operator".
	Kubeconfig string
	// APIServer is the URL of kube-apiserver, https://127.0.0.1:<port>.
	APIServer string
	// APIServerCA is the CA of the API server's serving certificate, also
	// written to the kubeconfig's certificate-authority-data.
	APIServerCA *certgen.Cert
	// Issuer is the service account issuer URL,
	// https://127.0.0.1:<issuer port><IssuerPath>, served by the issuer server.
	Issuer string
	// IssuerCA is the root CA of the chain that the issuer server presents
	// by default. The root itself is not presented.
	IssuerCA *certgen.Cert
	// IssuerIntermediate is the intermediate CA, signed by IssuerCA. It is
	// the top certificate that the issuer server presents by default.
	IssuerIntermediate *certgen.Cert
	// IssuerLeaf is the default serving certificate of the issuer server,
	// for 127.0.0.1 and localhost, signed by IssuerIntermediate.
	IssuerLeaf *certgen.Cert
	// Admin is a clientset for the admin user.
	Admin kubernetes.Interface
	// AdminConfig and ViewerConfig are the REST configurations of the
	// kubeconfig users admin and viewer.
	AdminConfig  *rest.Config
	ViewerConfig *rest.Config
	// IAMEndpoint is the URL of moto_server, http://127.0.0.1:<port>.
	IAMEndpoint string
	// IAM is an IAM client for moto with static credentials
	// "testing"/"testing" in region us-east-1.
	IAM *iam.Client

	logf        func(format string, args ...any)
	removeDir   bool
	awsConfig   string
	awsCreds    string
	spawner     *spawner
	issuerSrv   *http.Server
	issuerCert  atomic.Pointer[tls.Certificate]
	issuerMux   atomic.Pointer[http.Handler]
	defaultMux  http.Handler
	clusterJWKS []byte

	mu        sync.Mutex
	processes []*process

	closeOnce sync.Once
	closeErr  error
}

// Start starts etcd, kube-apiserver, moto_server and the issuer server, and
// returns when all of them are ready. Every wait is bounded by ctx only, so
// pass a ctx with a deadline. When Start fails, it stops everything it had
// started, and the error names the component with the tail of its log.
// Cancelling ctx after Start returns does not stop the environment: call Close.
func Start(ctx context.Context, opts Options) (*Env, error) {
	began := time.Now()
	etcdPath, apiServerPath, motoPath, err := findBinaries(opts.BinDir)
	if err != nil {
		return nil, err
	}
	if err := validateIssuerPath(opts.IssuerPath); err != nil {
		return nil, err
	}

	env := &Env{Dir: opts.Dir, logf: opts.Logf}
	if env.logf == nil {
		env.logf = func(string, ...any) {}
	}
	if env.Dir == "" {
		dir, err := os.MkdirTemp("", "testenv-")
		if err != nil {
			return nil, fmt.Errorf("create working directory: %w", err)
		}
		env.Dir = dir
		env.removeDir = true
	} else {
		// The children run in Dir, so a relative path would resolve twice.
		dir, err := filepath.Abs(env.Dir)
		if err != nil {
			return nil, fmt.Errorf("resolve working directory %s: %w", env.Dir, err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create working directory %s: %w", dir, err)
		}
		env.Dir = dir
	}
	env.spawner = newSpawner()

	if err := env.start(ctx, opts, etcdPath, apiServerPath, motoPath); err != nil {
		if closeErr := env.Close(); closeErr != nil {
			env.logf("testenv: close after failed start: %v", closeErr)
		}
		return nil, err
	}
	env.logf("testenv: ready in %s (working directory %s)", time.Since(began).Round(time.Millisecond), env.Dir)

	return env, nil
}

func (e *Env) start(ctx context.Context, opts Options, etcdPath, apiServerPath, motoPath string) error {
	files, err := writeFiles(e.Dir)
	if err != nil {
		return err
	}
	e.APIServerCA = files.apiServerCA
	e.IssuerCA = files.issuerRoot
	e.IssuerIntermediate = files.issuerIntermediate
	e.IssuerLeaf = files.issuerLeaf
	e.awsConfig = files.awsConfig
	e.awsCreds = files.awsCredentials

	// The issuer port must be known before kube-apiserver starts, because
	// the API server signs it into every token as the iss claim.
	e.issuerCert.Store(&files.issuerCertificate)
	issuerListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the issuer server on 127.0.0.1: %w", err)
	}
	e.Issuer = "https://" + issuerListener.Addr().String() + opts.IssuerPath

	// moto_server takes about a second to import, so it starts alongside the
	// control plane. The first failure cancels the other wait, and Start
	// returns that first error, not the cancellation it caused.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		firstErr  error
		failOnce  sync.Once
		waitGroup sync.WaitGroup
	)
	fail := func(err error) {
		failOnce.Do(func() {
			firstErr = err
			cancel()
		})
	}
	waitGroup.Add(1)
	go func() {
		defer waitGroup.Done()
		if err := e.startMoto(ctx, motoPath); err != nil {
			fail(err)
		}
	}()
	if err := e.startControlPlane(ctx, files, etcdPath, apiServerPath); err != nil {
		fail(err)
	}
	waitGroup.Wait()
	if firstErr != nil {
		issuerListener.Close()
		return firstErr
	}

	e.serveIssuer(issuerListener, opts.IssuerPath)
	e.logf("testenv: issuer server listening on %s", e.Issuer)

	return nil
}

// Close stops all processes with SIGTERM to their process groups, then
// SIGKILL to the groups that have not exited after 5 seconds, and closes the
// issuer server. It is safe to call more than once and returns the first
// call's result.
func (e *Env) Close() error {
	e.closeOnce.Do(func() {
		e.closeErr = e.close()
	})

	return e.closeErr
}

func (e *Env) close() error {
	var errs []error
	if e.issuerSrv != nil {
		if err := e.issuerSrv.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close issuer server: %w", err))
		}
	}

	e.mu.Lock()
	processes := e.processes
	e.mu.Unlock()

	// Stopping one at a time in reverse start order lets kube-apiserver
	// exit before etcd. On SIGTERM, kube-apiserver deletes its lease in
	// etcd, and etcd waits for kube-apiserver's watch streams to close, so
	// stopping both at once makes each wait for the other until SIGKILL.
	for i := len(processes) - 1; i >= 0; i-- {
		processes[i].stop(e.logf)
	}

	if e.spawner != nil {
		e.spawner.close()
	}
	if e.removeDir {
		if err := os.RemoveAll(e.Dir); err != nil {
			errs = append(errs, fmt.Errorf("remove working directory: %w", err))
		}
	}

	return errors.Join(errs...)
}

// PIDs returns the process ID of each child process by component name:
// "etcd", "kube-apiserver" and "moto_server". The IDs stay in the map after
// Close, when the processes no longer exist.
func (e *Env) PIDs() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()

	pids := make(map[string]int, len(e.processes))
	for _, p := range e.processes {
		pids[p.name] = p.cmd.Process.Pid
	}

	return pids
}

func (e *Env) addProcess(p *process) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.processes = append(e.processes, p)
}

func findBinaries(binDir string) (etcdPath, apiServerPath, motoPath string, err error) {
	if binDir == "" {
		return "", "", "", fmt.Errorf("testenv: Options.BinDir is empty: set it to the directory with %s and %s, built with: %s", EtcdBinary, APIServerBinary, BuildHint)
	}

	var paths []string
	for _, name := range []string{EtcdBinary, APIServerBinary} {
		path := filepath.Join(binDir, name)
		info, err := os.Stat(path)
		if err != nil {
			return "", "", "", fmt.Errorf("testenv: %s not found at %s: build it with: %s", name, path, BuildHint)
		}
		if info.IsDir() || info.Mode()&0o111 == 0 {
			return "", "", "", fmt.Errorf("testenv: %s at %s is not an executable file: rebuild it with: %s", name, path, BuildHint)
		}
		paths = append(paths, path)
	}

	motoPath, err = exec.LookPath(MotoBinary)
	if err != nil {
		return "", "", "", fmt.Errorf("testenv: %s not found on PATH: install it with: %s", MotoBinary, MotoInstallHint)
	}

	return paths[0], paths[1], motoPath, nil
}

func validateIssuerPath(path string) error {
	if path == "" {
		return nil
	}
	if !strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/") {
		return fmt.Errorf("testenv: invalid IssuerPath %q: it must start with \"/\" and must not end with \"/\"", path)
	}
	if strings.ContainsAny(path, "?#") {
		return fmt.Errorf("testenv: invalid IssuerPath %q: it must not contain a query or fragment", path)
	}

	return nil
}
