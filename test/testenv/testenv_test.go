package testenv_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/certgen"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/testenv"
)

const issuerPath = "/id/EXAMPLED539D4633E53DE1B71EXAMPLE"

// requireBinaries fails the test with the command that provides each
// missing binary.
func requireBinaries(t *testing.T, binDir string) {
	t.Helper()
	for _, name := range []string{testenv.EtcdBinary, testenv.APIServerBinary} {
		path := filepath.Join(binDir, name)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s not found at %s: build it from the repository root with: %s", name, path, testenv.BuildHint)
		}
	}
	if _, err := exec.LookPath(testenv.MotoBinary); err != nil {
		t.Fatalf("%s not found on PATH: install it with: %s", testenv.MotoBinary, testenv.MotoInstallHint)
	}
}

func startEnv(t *testing.T) *testenv.Env {
	t.Helper()
	if testing.Short() {
		t.Skip("starts etcd, kube-apiserver and moto_server; skipped in -short mode")
	}
	binDir, err := filepath.Abs(filepath.Join("..", "..", "_output", "bin"))
	if err != nil {
		t.Fatal(err)
	}
	requireBinaries(t, binDir)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	began := time.Now()
	env, err := testenv.Start(ctx, testenv.Options{
		BinDir:     binDir,
		Dir:        t.TempDir(),
		IssuerPath: issuerPath,
		Logf:       t.Logf,
	})
	if err != nil {
		t.Fatalf("start test environment: %v", err)
	}
	t.Logf("start-up time: %s", time.Since(began).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := env.Close(); err != nil {
			t.Errorf("close test environment: %v", err)
		}
	})

	return env
}

func TestEnv(t *testing.T) {
	env := startEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("admin lists namespaces", func(t *testing.T) {
		admin := clientsetForContext(t, env.Kubeconfig, "admin")
		namespaces, err := admin.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("list namespaces as admin: %v", err)
		}
		if !slices.ContainsFunc(namespaces.Items, func(ns corev1.Namespace) bool { return ns.Name == "default" }) {
			t.Errorf("namespace default not in %d listed namespaces", len(namespaces.Items))
		}

		if _, err := env.Admin.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{}); err != nil {
			t.Errorf("get namespace kube-system with Env.Admin: %v", err)
		}
	})

	t.Run("kubeconfig uses CA without skip-verify", func(t *testing.T) {
		config, err := clientcmd.LoadFromFile(env.Kubeconfig)
		if err != nil {
			t.Fatalf("load kubeconfig: %v", err)
		}
		if config.CurrentContext != "admin" {
			t.Errorf("current context = %q, expected admin", config.CurrentContext)
		}
		for name, cluster := range config.Clusters {
			if cluster.InsecureSkipTLSVerify {
				t.Errorf("cluster %s has insecure-skip-tls-verify", name)
			}
			if len(cluster.CertificateAuthorityData) == 0 {
				t.Errorf("cluster %s has no certificate-authority-data", name)
			}
			if cluster.Server != env.APIServer {
				t.Errorf("cluster %s server = %q, expected %q", name, cluster.Server, env.APIServer)
			}
		}
	})

	t.Run("admin gets issuer discovery", func(t *testing.T) {
		admin := restClientForContext(t, env.Kubeconfig, "admin")
		body, err := admin.Get().AbsPath("/.well-known/openid-configuration").DoRaw(ctx)
		if err != nil {
			t.Fatalf("GET /.well-known/openid-configuration as admin: %v", err)
		}
		var document struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		if err := json.Unmarshal(body, &document); err != nil {
			t.Fatalf("decode discovery document %q: %v", body, err)
		}
		if document.Issuer != env.Issuer {
			t.Errorf("issuer = %q, expected %q", document.Issuer, env.Issuer)
		}
		if expected := env.APIServer + "/openid/v1/jwks"; document.JWKSURI != expected {
			t.Errorf("jwks_uri = %q, expected the internal %q", document.JWKSURI, expected)
		}
	})

	t.Run("viewer gets 403 for issuer discovery", func(t *testing.T) {
		viewer := restClientForContext(t, env.Kubeconfig, "viewer")
		for _, path := range []string{"/.well-known/openid-configuration", "/openid/v1/jwks"} {
			_, err := viewer.Get().AbsPath(path).DoRaw(ctx)
			if !apierrors.IsForbidden(err) {
				t.Errorf("GET %s as viewer: error = %v, expected 403 Forbidden", path, err)
			}
		}
	})

	t.Run("viewer reads objects", func(t *testing.T) {
		viewer := clientsetForContext(t, env.Kubeconfig, "viewer")
		if _, err := viewer.CoreV1().Pods("").List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("list pods as viewer: %v", err)
		}
		if _, err := viewer.CoreV1().ServiceAccounts("").List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("list serviceaccounts as viewer: %v", err)
		}
		if _, err := viewer.CoreV1().Events("").List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("list core events as viewer: %v", err)
		}
		if _, err := viewer.EventsV1().Events("").List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("list events.k8s.io events as viewer: %v", err)
		}
		if _, err := viewer.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("list namespaces as viewer: %v", err)
		}
		_, err := viewer.CoreV1().Secrets("default").List(ctx, metav1.ListOptions{})
		if !apierrors.IsForbidden(err) {
			t.Errorf("list secrets as viewer: error = %v, expected 403 Forbidden", err)
		}
	})

	t.Run("issuer serves discovery and JWKS", func(t *testing.T) {
		client := issuerClient(t, env)
		resp, body := httpGet(t, client, env.Issuer+"/.well-known/openid-configuration")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET discovery document: status %s: %s", resp.Status, body)
		}
		presented := resp.TLS.PeerCertificates
		if len(presented) != 2 {
			t.Fatalf("issuer server presented %d certificates, expected leaf and intermediate", len(presented))
		}
		if !presented[0].Equal(env.IssuerLeaf.Cert) {
			t.Errorf("first presented certificate is %q, expected the leaf", presented[0].Subject.CommonName)
		}
		if !presented[1].Equal(env.IssuerIntermediate.Cert) {
			t.Errorf("top presented certificate is %q, expected the intermediate", presented[1].Subject.CommonName)
		}
		if presented[1].Issuer.CommonName != testenv.IssuerRootName {
			t.Errorf("intermediate issued by %q, expected %q", presented[1].Issuer.CommonName, testenv.IssuerRootName)
		}

		var document map[string]any
		if err := json.Unmarshal(body, &document); err != nil {
			t.Fatalf("decode discovery document %q: %v", body, err)
		}
		if document["issuer"] != env.Issuer {
			t.Errorf("issuer = %v, expected %q", document["issuer"], env.Issuer)
		}
		jwksURI, _ := document["jwks_uri"].(string)
		if jwksURI != env.Issuer+"/keys" {
			t.Errorf("jwks_uri = %q, expected %q", jwksURI, env.Issuer+"/keys")
		}
		for _, field := range []string{"response_types_supported", "subject_types_supported", "id_token_signing_alg_values_supported"} {
			if _, ok := document[field]; !ok {
				t.Errorf("discovery document has no %s", field)
			}
		}

		resp, body = httpGet(t, client, jwksURI)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %s: %s", jwksURI, resp.Status, body)
		}
		publicKIDs := keyIDs(t, body)
		clusterJWKS, err := env.Admin.Discovery().RESTClient().Get().AbsPath("/openid/v1/jwks").DoRaw(ctx)
		if err != nil {
			t.Fatalf("GET /openid/v1/jwks as admin: %v", err)
		}
		clusterKIDs := keyIDs(t, clusterJWKS)
		if len(clusterKIDs) == 0 {
			t.Fatalf("kube-apiserver JWKS has no key: %s", clusterJWKS)
		}
		if !slices.Equal(publicKIDs, clusterKIDs) {
			t.Errorf("issuer JWKS key IDs = %v, kube-apiserver key IDs = %v", publicKIDs, clusterKIDs)
		}
		if !slices.Equal(keyIDs(t, env.ClusterJWKS()), clusterKIDs) {
			t.Errorf("ClusterJWKS key IDs = %v, kube-apiserver key IDs = %v", keyIDs(t, env.ClusterJWKS()), clusterKIDs)
		}

		resp, _ = httpGet(t, client, env.Issuer+"/other")
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET other path: status %s, expected 404", resp.Status)
		}
	})

	t.Run("SetIssuerCertificate changes leaf", func(t *testing.T) {
		newLeaf := certgen.MustNew(certgen.Spec{CommonName: "rotated leaf", Hosts: []string{"127.0.0.1"}}, env.IssuerIntermediate)
		env.SetIssuerCertificate(certgen.TLSCertificate(newLeaf, env.IssuerIntermediate))
		defer env.SetIssuerCertificate(certgen.TLSCertificate(env.IssuerLeaf, env.IssuerIntermediate))

		resp, body := httpGet(t, issuerClient(t, env), env.Issuer+"/.well-known/openid-configuration")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET discovery document: status %s: %s", resp.Status, body)
		}
		if leaf := resp.TLS.PeerCertificates[0]; !leaf.Equal(newLeaf.Cert) {
			t.Errorf("presented leaf is %q, expected %q", leaf.Subject.CommonName, newLeaf.Cert.Subject.CommonName)
		}
	})

	t.Run("SetIssuerHandler replaces and restores", func(t *testing.T) {
		env.SetIssuerHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusTeapot)
		}))
		resp, _ := httpGet(t, issuerClient(t, env), env.Issuer+"/.well-known/openid-configuration")
		if resp.StatusCode != http.StatusTeapot {
			t.Errorf("with custom handler: status %s, expected 418", resp.Status)
		}

		env.SetIssuerHandler(nil)
		resp, _ = httpGet(t, issuerClient(t, env), env.Issuer+"/.well-known/openid-configuration")
		if resp.StatusCode != http.StatusOK {
			t.Errorf("after restoring the default handler: status %s, expected 200", resp.Status)
		}
	})

	t.Run("IAM OIDC providers and reset", func(t *testing.T) {
		_, err := env.IAM.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
			Url:            aws.String(env.Issuer),
			ClientIDList:   []string{"sts.amazonaws.com"},
			ThumbprintList: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"},
		})
		if err != nil {
			t.Fatalf("CreateOpenIDConnectProvider: %v", err)
		}
		listed, err := env.IAM.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
		if err != nil {
			t.Fatalf("ListOpenIDConnectProviders: %v", err)
		}
		if len(listed.OpenIDConnectProviderList) != 1 {
			t.Fatalf("listed %d providers, expected 1", len(listed.OpenIDConnectProviderList))
		}

		if err := env.ResetIAM(ctx); err != nil {
			t.Fatalf("ResetIAM: %v", err)
		}
		listed, err = env.IAM.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
		if err != nil {
			t.Fatalf("ListOpenIDConnectProviders after reset: %v", err)
		}
		if len(listed.OpenIDConnectProviderList) != 0 {
			t.Errorf("listed %d providers after reset, expected 0", len(listed.OpenIDConnectProviderList))
		}
	})

	t.Run("AWSEnv points at moto", func(t *testing.T) {
		vars := env.AWSEnv()
		for _, expected := range []string{
			"AWS_ENDPOINT_URL_IAM=" + env.IAMEndpoint,
			"AWS_ACCESS_KEY_ID=testing",
			"AWS_SECRET_ACCESS_KEY=testing",
			"AWS_REGION=us-east-1",
			"AWS_EC2_METADATA_DISABLED=true",
		} {
			if !slices.Contains(vars, expected) {
				t.Errorf("AWSEnv has no %s", expected)
			}
		}
		for _, name := range []string{"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
			path := envValue(vars, name)
			info, err := os.Stat(path)
			if err != nil {
				t.Errorf("%s=%q: %v", name, path, err)
				continue
			}
			if info.Size() != 0 {
				t.Errorf("%s=%q has %d bytes, expected an empty file", name, path, info.Size())
			}
		}

		merged := env.AWSEnvFrom([]string{"HOME=/root", "AWS_PROFILE=developer"})
		if slices.Contains(merged, "AWS_PROFILE=developer") {
			t.Errorf("AWSEnvFrom kept AWS_PROFILE: %v", merged)
		}
		if !slices.Contains(merged, "HOME=/root") {
			t.Errorf("AWSEnvFrom dropped HOME: %v", merged)
		}
	})
}

func TestEnvCloseStopsProcesses(t *testing.T) {
	env := startEnv(t)
	pids := env.PIDs()
	for _, name := range []string{"etcd", "kube-apiserver", "moto_server"} {
		if pids[name] == 0 {
			t.Errorf("PIDs has no %s: %v", name, pids)
		}
	}

	began := time.Now()
	if err := env.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	t.Logf("Close took %s", time.Since(began).Round(time.Millisecond))
	if err := env.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	for name, pid := range pids {
		err := syscall.Kill(pid, 0)
		if !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s (pid %d) still exists after Close: kill(pid, 0) = %v", name, pid, err)
		}
	}

	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		Timeout:   2 * time.Second,
	}
	for _, url := range []string{env.APIServer + "/readyz", env.Issuer + "/keys", env.IAMEndpoint + "/moto-api/"} {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			t.Errorf("GET %s after Close: status %s, expected a refused connection", url, resp.Status)
		}
	}
}

func TestStartRejectsMissingBinary(t *testing.T) {
	dir := t.TempDir()
	_, err := testenv.Start(context.Background(), testenv.Options{BinDir: dir, Dir: t.TempDir()})
	if err == nil {
		t.Fatal("Start with an empty BinDir succeeded, expected an error")
	}
	for _, fragment := range []string{"etcd not found", testenv.BuildHint} {
		if !strings.Contains(err.Error(), fragment) {
			t.Errorf("error %q does not contain %q", err, fragment)
		}
	}
}

func TestStartRejectsInvalidIssuerPath(t *testing.T) {
	binDir, err := filepath.Abs(filepath.Join("..", "..", "_output", "bin"))
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		t.Skip("needs the binaries of _output/bin; skipped in -short mode")
	}
	requireBinaries(t, binDir)

	for _, path := range []string{"id/x", "/id/x/", "/id?x=1"} {
		env, err := testenv.Start(context.Background(), testenv.Options{BinDir: binDir, Dir: t.TempDir(), IssuerPath: path})
		if err == nil {
			env.Close()
			t.Errorf("Start with IssuerPath %q succeeded, expected an error", path)
		}
	}
}

func clientsetForContext(t *testing.T, kubeconfig, contextName string) kubernetes.Interface {
	t.Helper()
	clientset, err := kubernetes.NewForConfig(restConfigForContext(t, kubeconfig, contextName))
	if err != nil {
		t.Fatalf("create clientset for context %s: %v", contextName, err)
	}

	return clientset
}

func restClientForContext(t *testing.T, kubeconfig, contextName string) rest.Interface {
	t.Helper()

	return clientsetForContext(t, kubeconfig, contextName).Discovery().RESTClient()
}

func restConfigForContext(t *testing.T, kubeconfig, contextName string) *rest.Config {
	t.Helper()
	config, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfig},
		&clientcmd.ConfigOverrides{CurrentContext: contextName},
	).ClientConfig()
	if err != nil {
		t.Fatalf("load context %s from %s: %v", contextName, kubeconfig, err)
	}

	return config
}

// issuerClient returns a client that trusts only the issuer root CA and
// opens a new connection for every request, so that each request gets the
// certificate that the server presents at that moment.
func issuerClient(t *testing.T, env *testenv.Env) *http.Client {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(env.IssuerCA.Cert)

	return &http.Client{
		Transport: &http.Transport{
			Proxy:             nil,
			TLSClientConfig:   &tls.Config{RootCAs: roots},
			DisableKeepAlives: true,
		},
		Timeout: 10 * time.Second,
	}
}

func httpGet(t *testing.T, client *http.Client, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body of %s: %v", url, err)
	}

	return resp, body
}

// keyIDs returns the sorted kid values of a JWKS document.
func keyIDs(t *testing.T, jwks []byte) []string {
	t.Helper()
	var set struct {
		Keys []struct {
			KeyID string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatalf("decode JWKS %q: %v", jwks, err)
	}
	ids := make([]string, 0, len(set.Keys))
	for _, key := range set.Keys {
		ids = append(ids, key.KeyID)
	}
	slices.Sort(ids)

	return ids
}

func envValue(vars []string, name string) string {
	for _, kv := range vars {
		if value, ok := strings.CutPrefix(kv, name+"="); ok {
			return value
		}
	}

	return ""
}
