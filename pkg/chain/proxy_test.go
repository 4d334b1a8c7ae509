package chain

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/certgen"
)

// fixedProxy returns an Options.Proxy that sends every request to proxyURL.
func fixedProxy(proxyURL *url.URL) func(*url.URL) (*url.URL, error) {
	return func(*url.URL) (*url.URL, error) { return proxyURL, nil }
}

func TestInspectThroughProxy(t *testing.T) {
	c := newTestChain(t)
	server := startTLSServer(t, serverConfig(c.leaf, c.intermediate))
	proxy := startConnectProxy(t, proxyConfig{})
	proxyURL := proxy.url("http", nil)

	result, err := Inspect(t.Context(), server.url, Options{
		TrustedRoots: poolOf(c.root),
		SystemRoots:  x509.NewCertPool(),
		Proxy:        fixedProxy(proxyURL),
	})
	if err != nil {
		t.Fatalf("Inspect(%q) through proxy %s error = %v, want nil", server.url, proxyURL, err)
	}

	if result.Proxy != proxyURL.String() {
		t.Errorf("Inspect(%q).Proxy = %q, want %q", server.url, result.Proxy, proxyURL)
	}
	wantSign := "the Proxy option routes this connection through " + proxy.address
	if !slices.Contains(result.InterceptionSigns, wantSign) {
		t.Errorf("Inspect(%q).InterceptionSigns = %q, want it to contain %q", server.url, result.InterceptionSigns, wantSign)
	}
	if !result.PublicRoot {
		t.Errorf("Inspect(%q).PublicRoot = false, want true (PublicErr %v)", server.url, result.PublicErr)
	}
	if got, want := Thumbprint(result.Top()), Thumbprint(c.intermediate.Cert); got != want {
		t.Errorf("Thumbprint(Inspect(%q).Top()) = %s, want %s", server.url, got, want)
	}

	request := <-proxy.requests
	if request.Method != http.MethodConnect || request.Host != server.address {
		t.Errorf("proxy received %s %s, want CONNECT %s", request.Method, request.Host, server.address)
	}
}

func TestInspectThroughProxyWithCredentials(t *testing.T) {
	c := newTestChain(t)
	server := startTLSServer(t, serverConfig(c.leaf, c.intermediate))
	proxy := startConnectProxy(t, proxyConfig{})
	proxyURL := proxy.url("http", url.UserPassword("alice", "s3cret"))

	result, err := Inspect(t.Context(), server.url, Options{
		TrustedRoots: poolOf(c.root),
		SystemRoots:  x509.NewCertPool(),
		Proxy:        fixedProxy(proxyURL),
	})
	if err != nil {
		t.Fatalf("Inspect(%q) through proxy %s error = %v, want nil", server.url, proxyURL.Redacted(), err)
	}

	request := <-proxy.requests
	wantAuthorization := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	if got := request.Header.Get("Proxy-Authorization"); got != wantAuthorization {
		t.Errorf("proxy received Proxy-Authorization %q, want %q", got, wantAuthorization)
	}
	if strings.Contains(result.Proxy, "s3cret") {
		t.Errorf("Inspect(%q).Proxy = %q, want the password redacted", server.url, result.Proxy)
	}
	if want := proxyURL.Redacted(); result.Proxy != want {
		t.Errorf("Inspect(%q).Proxy = %q, want %q", server.url, result.Proxy, want)
	}
}

func TestInspectThroughHTTPSProxy(t *testing.T) {
	c := newTestChain(t)
	server := startTLSServer(t, serverConfig(c.leaf, c.intermediate))
	proxyCA := certgen.MustNew(certgen.Spec{CommonName: "Proxy Test CA", IsCA: true}, nil)
	proxyLeaf := certgen.MustNew(certgen.Spec{CommonName: "proxy", Hosts: []string{"127.0.0.1"}}, proxyCA)
	proxy := startConnectProxy(t, proxyConfig{tls: serverConfig(proxyLeaf)})
	proxyURL := proxy.url("https", nil)

	tests := []struct {
		name        string
		systemRoots *x509.CertPool
		wantErr     string // empty for success
	}{
		{name: "proxy CA in system pool", systemRoots: poolOf(proxyCA)},
		{name: "proxy CA unknown", systemRoots: x509.NewCertPool(), wantErr: "TLS handshake with proxy " + proxyURL.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			result, err := Inspect(t.Context(), server.url, Options{
				TrustedRoots: poolOf(c.root),
				SystemRoots:  tt.systemRoots,
				Proxy:        fixedProxy(proxyURL),
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Inspect(%q) through %s error = %v, want an error containing %q", server.url, proxyURL, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Inspect(%q) through %s error = %v, want nil", server.url, proxyURL, err)
			}
			if result.Proxy != proxyURL.String() {
				t.Errorf("Inspect(%q).Proxy = %q, want %q", server.url, result.Proxy, proxyURL)
			}
			if !result.PublicRoot {
				t.Errorf("Inspect(%q).PublicRoot = false, want true (PublicErr %v)", server.url, result.PublicErr)
			}
		})
	}
}

func TestInspectThroughEnvironmentProxy(t *testing.T) {
	c := newTestChain(t)
	server := startTLSServer(t, serverConfig(c.leaf, c.intermediate))
	// The proxy tunnels issuer.test:443 to the loopback server, and the dialer
	// sends proxy.example:3128 to the loopback proxy, so nothing leaves 127.0.0.1.
	proxy := startConnectProxy(t, proxyConfig{routes: map[string]string{"issuer.test:443": server.address}})
	t.Setenv("HTTPS_PROXY", "http://proxy.example:3128")
	t.Setenv("https_proxy", "")
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	const rawURL = "https://issuer.test/id/ABC"

	result, err := Inspect(t.Context(), rawURL, Options{
		TrustedRoots: poolOf(c.root),
		SystemRoots:  x509.NewCertPool(),
		DialContext:  loopbackDialer(t, map[string]string{"proxy.example:3128": proxy.address}),
	})
	if err != nil {
		t.Fatalf("Inspect(%q) with HTTPS_PROXY error = %v, want nil", rawURL, err)
	}

	if want := "http://proxy.example:3128"; result.Proxy != want {
		t.Errorf("Inspect(%q).Proxy = %q, want %q", rawURL, result.Proxy, want)
	}
	wantSign := "HTTPS_PROXY routes this connection through proxy.example:3128"
	if !slices.Contains(result.InterceptionSigns, wantSign) {
		t.Errorf("Inspect(%q).InterceptionSigns = %q, want it to contain %q", rawURL, result.InterceptionSigns, wantSign)
	}
	if result.ServerName != "issuer.test" {
		t.Errorf("Inspect(%q).ServerName = %q, want %q", rawURL, result.ServerName, "issuer.test")
	}
	if request := <-proxy.requests; request.Host != "issuer.test:443" {
		t.Errorf("proxy received CONNECT %s, want CONNECT issuer.test:443", request.Host)
	}
}

func TestInspectEnvironmentProxySkipsLoopback(t *testing.T) {
	c := newTestChain(t)
	server := startTLSServer(t, serverConfig(c.leaf, c.intermediate))
	// Port 1 on loopback has no proxy, so a proxied connection would fail.
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	t.Setenv("https_proxy", "")

	result, err := Inspect(t.Context(), server.url, Options{TrustedRoots: poolOf(c.root), SystemRoots: x509.NewCertPool()})
	if err != nil {
		t.Fatalf("Inspect(%q) with HTTPS_PROXY error = %v, want a direct connection", server.url, err)
	}
	if result.Proxy != "" {
		t.Errorf("Inspect(%q).Proxy = %q, want empty because loopback is never proxied", server.url, result.Proxy)
	}
}

func TestChooseProxyFromEnvironment(t *testing.T) {
	tests := []struct {
		name      string
		httpsVar  string
		noProxy   string
		address   string
		wantProxy string // empty for a direct connection
	}{
		{name: "proxy set", httpsVar: "http://proxy.example:3128", address: "issuer.test:443", wantProxy: "http://proxy.example:3128"},
		{name: "proxy without scheme", httpsVar: "proxy.example:3128", address: "issuer.test:443", wantProxy: "http://proxy.example:3128"},
		{name: "host in NO_PROXY", httpsVar: "http://proxy.example:3128", noProxy: "issuer.test", address: "issuer.test:443"},
		{name: "domain in NO_PROXY", httpsVar: "http://proxy.example:3128", noProxy: ".test", address: "issuer.test:443"},
		{name: "no proxy set", address: "issuer.test:443"},
		{name: "loopback", httpsVar: "http://proxy.example:3128", address: "127.0.0.1:8443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HTTPS_PROXY", tt.httpsVar)
			t.Setenv("https_proxy", "")
			t.Setenv("NO_PROXY", tt.noProxy)
			t.Setenv("no_proxy", "")

			route, err := chooseProxy(Options{}, tt.address)
			if err != nil {
				t.Fatalf("chooseProxy(%q) error = %v, want nil", tt.address, err)
			}
			got := ""
			if route.url != nil {
				got = route.url.String()
			}
			if got != tt.wantProxy {
				t.Errorf("chooseProxy(%q) = %q, want %q", tt.address, got, tt.wantProxy)
			}
			if !route.fromEnvironment {
				t.Errorf("chooseProxy(%q).fromEnvironment = false, want true", tt.address)
			}
		})
	}
}

func TestChooseProxyRejectsScheme(t *testing.T) {
	tests := []struct {
		name    string
		proxy   *url.URL
		wantErr string
	}{
		{name: "socks5", proxy: &url.URL{Scheme: "socks5", Host: "127.0.0.1:1080"}, wantErr: `scheme "socks5" is not supported`},
		{name: "no host", proxy: &url.URL{Scheme: "http"}, wantErr: "missing host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Inspect(t.Context(), "https://issuer.test", Options{Proxy: fixedProxy(tt.proxy), DialContext: noDial(t)})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Inspect through proxy %s error = %v, want an error containing %q", tt.proxy, err, tt.wantErr)
			}
		})
	}
}

func TestInspectProxyFuncError(t *testing.T) {
	failing := func(*url.URL) (*url.URL, error) { return nil, errors.New("bad proxy configuration") }

	_, err := Inspect(t.Context(), "https://issuer.test", Options{Proxy: failing, DialContext: noDial(t)})
	if err == nil || !strings.Contains(err.Error(), "bad proxy configuration") {
		t.Errorf("Inspect with failing Proxy error = %v, want it to contain the Proxy error", err)
	}
}

func TestInspectProxyFailures(t *testing.T) {
	tests := []struct {
		name    string
		respond func(conn net.Conn, request *http.Request)
		wantErr string
	}{
		{
			name: "authentication required",
			respond: func(conn net.Conn, _ *http.Request) {
				io.WriteString(conn, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 5\r\n\r\nlogin")
			},
			wantErr: "rejected CONNECT",
		},
		{
			name: "oversized reply",
			respond: func(conn net.Conn, _ *http.Request) {
				io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n")
				header := "X-Padding: " + strings.Repeat("a", 1000) + "\r\n"
				for range 200 {
					if _, err := io.WriteString(conn, header); err != nil {
						return
					}
				}
			},
			wantErr: "larger than 64 KiB",
		},
		{
			name: "not HTTP",
			respond: func(conn net.Conn, _ *http.Request) {
				io.WriteString(conn, "SSH-2.0-OpenSSH_9.6\r\n")
			},
			wantErr: "read reply to CONNECT",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy := startConnectProxy(t, proxyConfig{respond: tt.respond})
			proxyURL := proxy.url("http", nil)
			const rawURL = "https://127.0.0.1:1"

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := Inspect(ctx, rawURL, Options{Proxy: fixedProxy(proxyURL)})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Inspect(%q) through proxy %s error = %v, want an error containing %q", rawURL, proxyURL, err, tt.wantErr)
			}
		})
	}
}

func TestInspectSilentProxyDeadline(t *testing.T) {
	proxyAddress := startSilentServer(t)
	proxyURL := &url.URL{Scheme: "http", Host: proxyAddress}
	const rawURL = "https://127.0.0.1:1"
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()

	_, err := Inspect(ctx, rawURL, Options{Proxy: fixedProxy(proxyURL)})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Inspect(%q) through silent proxy error = %v, want one wrapping context.DeadlineExceeded", rawURL, err)
	}
}

func TestConnectThroughProxyKeepsBufferedBytes(t *testing.T) {
	// The proxy sends tunnel bytes in the same write as its reply, so the
	// reader that parses the reply also buffers them.
	proxy := startConnectProxy(t, proxyConfig{respond: func(conn net.Conn, _ *http.Request) {
		io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\nearly")
		io.Copy(io.Discard, conn)
	}})
	proxyURL := proxy.url("http", nil)
	conn, err := net.Dial("tcp", proxy.address)
	if err != nil {
		t.Fatalf("dial test proxy: %v", err)
	}
	defer conn.Close()

	tunnel, err := connectThroughProxy(t.Context(), conn, proxyURL, "127.0.0.1:1", Options{})
	if err != nil {
		t.Fatalf("connectThroughProxy(%s) error = %v, want nil", proxyURL, err)
	}
	got := make([]byte, len("early"))
	if _, err := io.ReadFull(tunnel, got); err != nil {
		t.Fatalf("read tunnel: %v", err)
	}
	if string(got) != "early" {
		t.Errorf("first tunnel bytes = %q, want %q", got, "early")
	}
}
