package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ViewerRoleName names the ClusterRole and ClusterRoleBinding that give the
// viewer user read access.
const ViewerRoleName = "oidc-thumbprint-viewer"

// startControlPlane starts etcd and kube-apiserver, waits for /readyz,
// grants the viewer its role, reads the cluster JWKS and writes the kubeconfig.
func (e *Env) startControlPlane(ctx context.Context, f *files, etcdPath, apiServerPath string) error {
	began := time.Now()
	var etcdURL string
	err := e.launchOnFreePorts(ctx, "etcd", 2, func(ctx context.Context, ports []int) (*process, error) {
		etcdURL = "http://127.0.0.1:" + strconv.Itoa(ports[0])
		return e.startEtcd(ctx, etcdPath, etcdURL, "http://127.0.0.1:"+strconv.Itoa(ports[1]))
	})
	if err != nil {
		return err
	}
	e.logf("testenv: etcd ready on %s after %s", etcdURL, time.Since(began).Round(time.Millisecond))

	err = e.launchOnFreePorts(ctx, "kube-apiserver", 1, func(ctx context.Context, ports []int) (*process, error) {
		return e.startAPIServer(ctx, f, apiServerPath, etcdURL, ports[0])
	})
	if err != nil {
		return err
	}
	e.logf("testenv: kube-apiserver ready on %s after %s", e.APIServer, time.Since(began).Round(time.Millisecond))

	if err := createViewerRole(ctx, e.Admin); err != nil {
		return err
	}
	jwks, err := e.Admin.Discovery().RESTClient().Get().AbsPath("/openid/v1/jwks").DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("get /openid/v1/jwks from kube-apiserver as admin: %w", err)
	}
	if !json.Valid(jwks) {
		return fmt.Errorf("kube-apiserver returned invalid JSON at /openid/v1/jwks: %q", jwks)
	}
	e.clusterJWKS = jwks

	e.Kubeconfig = filepath.Join(e.Dir, "kubeconfig")
	tokens := map[string]string{"admin": f.adminToken, "viewer": f.viewerToken, "operator": f.operatorToken}
	if err := writeKubeconfig(e.Kubeconfig, e.APIServer, e.APIServerCA.PEM(), tokens); err != nil {
		return err
	}

	return nil
}

func (e *Env) startEtcd(ctx context.Context, etcdPath, clientURL, peerURL string) (*process, error) {
	args := []string{
		"--name=default",
		"--data-dir=" + filepath.Join(e.Dir, "etcd-data"),
		"--listen-client-urls=" + clientURL,
		"--advertise-client-urls=" + clientURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=default=" + peerURL,
		"--initial-cluster-state=new",
		// The data is thrown away after the test, so durability is not needed.
		"--unsafe-no-fsync=true",
	}
	p, err := e.startProcess("etcd", etcdPath, args, filepath.Join(e.Dir, "etcd.log"))
	if err != nil {
		return nil, err
	}

	client := loopbackHTTPClient(nil)
	err = p.waitReady(ctx, func(ctx context.Context) error {
		var health struct {
			Health string `json:"health"`
		}
		if err := getJSON(ctx, client, clientURL+"/health", &health); err != nil {
			return err
		}
		if health.Health != "true" {
			return fmt.Errorf("health is %q", health.Health)
		}
		return nil
	})

	return p, err
}

func (e *Env) startAPIServer(ctx context.Context, f *files, apiServerPath, etcdURL string, port int) (*process, error) {
	e.APIServer = "https://127.0.0.1:" + strconv.Itoa(port)
	args := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--advertise-address=127.0.0.1",
		"--tls-cert-file=" + f.apiServerCertFile,
		"--tls-private-key-file=" + f.apiServerKeyFile,
		// cert-dir is unused because the serving certificate is given, but
		// its default /var/run/kubernetes is outside the working directory.
		"--cert-dir=" + filepath.Join(e.Dir, "apiserver-certs"),
		// Only configuration: no Service is ever backed by this range.
		"--service-cluster-ip-range=10.0.0.0/24",
		"--service-account-issuer=" + e.Issuer,
		// Like EKS, the API server names an internal jwks_uri that differs
		// from the public issuer's.
		"--service-account-jwks-uri=" + e.APIServer + "/openid/v1/jwks",
		"--service-account-key-file=" + f.serviceAccountPublicKeyFile,
		"--service-account-signing-key-file=" + f.serviceAccountKeyFile,
		"--token-auth-file=" + f.tokenFile,
		"--authorization-mode=RBAC",
		// Priority and fairness would create its configuration objects at
		// start-up, and a test has no use for it.
		"--enable-priority-and-fairness=false",
		// The default reconciler would write 127.0.0.1 into the Endpoints of
		// the "kubernetes" Service, which validation rejects as loopback.
		"--endpoint-reconciler-type=none",
		"--profiling=false",
	}
	p, err := e.startProcess("kube-apiserver", apiServerPath, args, filepath.Join(e.Dir, "kube-apiserver.log"))
	if err != nil {
		return nil, err
	}

	e.AdminConfig = &rest.Config{
		Host:            e.APIServer,
		BearerToken:     f.adminToken,
		TLSClientConfig: rest.TLSClientConfig{CAData: e.APIServerCA.PEM()},
		UserAgent:       "oidc-thumbprint-testenv",
		// Tests create thousands of objects; client-go's default of 5
		// requests per second would make that take minutes.
		QPS:   500,
		Burst: 1000,
	}
	e.ViewerConfig = rest.CopyConfig(e.AdminConfig)
	e.ViewerConfig.BearerToken = f.viewerToken
	admin, err := kubernetes.NewForConfig(e.AdminConfig)
	if err != nil {
		return p, fmt.Errorf("create admin clientset: %w", err)
	}
	e.Admin = admin

	err = p.waitReady(ctx, func(ctx context.Context) error {
		body, err := admin.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err != nil {
			return fmt.Errorf("GET /readyz: %w: %s", err, body)
		}
		return nil
	})

	return p, err
}

// createViewerRole lets the user "viewer" get, list and watch the objects
// that diagnose reads, in all namespaces. It grants no nonResourceURLs, so
// issuer discovery stays forbidden to the viewer.
func createViewerRole(ctx context.Context, admin kubernetes.Interface) error {
	read := []string{"get", "list", "watch"}
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: ViewerRoleName},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"serviceaccounts", "pods", "events", "namespaces"}, Verbs: read},
			{APIGroups: []string{"events.k8s.io"}, Resources: []string{"events"}, Verbs: read},
		},
	}
	if _, err := admin.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create ClusterRole %s: %w", ViewerRoleName, err)
	}

	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: ViewerRoleName},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: ViewerRoleName},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "viewer"}},
	}
	if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create ClusterRoleBinding %s: %w", ViewerRoleName, err)
	}

	return nil
}

// writeKubeconfig writes a kubeconfig with one user and one context, both
// named after the user, for each entry of tokens (user name to bearer
// token). The current context is "admin".
func writeKubeconfig(path, server string, caPEM []byte, tokens map[string]string) error {
	config := clientcmdapi.NewConfig()
	config.Clusters["testenv"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	for user, token := range tokens {
		config.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
		config.Contexts[user] = &clientcmdapi.Context{Cluster: "testenv", AuthInfo: user, Namespace: "default"}
	}
	config.CurrentContext = "admin"
	if err := clientcmd.WriteToFile(*config, path); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}

	return nil
}

// loopbackHTTPClient returns a client that never uses a proxy, so requests
// go straight to 127.0.0.1.
func loopbackHTTPClient(transport *http.Transport) *http.Client {
	if transport == nil {
		transport = &http.Transport{}
	}
	transport.Proxy = nil

	return &http.Client{Transport: transport, Timeout: 10 * time.Second}
}

func getJSON(ctx context.Context, client *http.Client, url string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %s: %s", url, resp.Status, body)
	}

	return json.Unmarshal(body, into)
}
