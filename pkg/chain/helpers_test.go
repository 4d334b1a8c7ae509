package chain

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/certgen"
)

// testChain is a root → intermediate → leaf chain whose leaf is valid for
// 127.0.0.1 and issuer.test.
type testChain struct {
	root, intermediate, leaf *certgen.Cert
}

func newTestChain(t testing.TB) testChain {
	t.Helper()
	root := certgen.MustNew(certgen.Spec{CommonName: "Test Root CA", IsCA: true}, nil)
	intermediate := certgen.MustNew(certgen.Spec{CommonName: "Test Intermediate CA", IsCA: true}, root)
	leaf := certgen.MustNew(certgen.Spec{CommonName: "issuer.test", Hosts: []string{"127.0.0.1", "issuer.test"}}, intermediate)
	return testChain{root: root, intermediate: intermediate, leaf: leaf}
}

// poolOf returns a new pool that contains certs.
func poolOf(certs ...*certgen.Cert) *x509.CertPool {
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c.Cert)
	}
	return pool
}

// tlsServer is a TLS server on 127.0.0.1 that completes handshakes and then
// discards what the client sends.
type tlsServer struct {
	address string
	url     string
	// serverNames receives the SNI of each handshake, while it has room.
	serverNames chan string
}

// startTLSServer serves config on a new 127.0.0.1 port until the test ends.
func startTLSServer(t testing.TB, config *tls.Config) *tlsServer {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.1: %v", err)
	}
	server := &tlsServer{
		address:     listener.Addr().String(),
		url:         "https://" + listener.Addr().String() + "/.well-known/openid-configuration",
		serverNames: make(chan string, 16),
	}

	config = config.Clone()
	config.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		select {
		case server.serverNames <- hello.ServerName:
		default:
		}
		return nil, nil
	}

	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				// The deadline only ends connections that a failing test leaves open.
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				tlsConn := tls.Server(conn, config)
				if tlsConn.Handshake() != nil {
					return
				}
				io.Copy(io.Discard, tlsConn)
			})
		}
	})
	t.Cleanup(func() {
		listener.Close()
		wg.Wait()
	})
	return server
}

// serverConfig returns a server configuration that presents leaf followed by
// chain.
func serverConfig(leaf *certgen.Cert, chain ...*certgen.Cert) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{certgen.TLSCertificate(leaf, chain...)}}
}

// startSilentServer accepts TCP connections on 127.0.0.1 and never writes or
// closes them until the test ends. It returns the listening address.
func startSilentServer(t testing.TB) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.1: %v", err)
	}

	var mu sync.Mutex
	var conns []net.Conn
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		listener.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, conn := range conns {
			conn.Close()
		}
	})
	return listener.Addr().String()
}

// loopbackDialer returns an Options.DialContext that connects each host:port
// in routes to its 127.0.0.1 address and fails the test for any other
// address, so that no test reaches a host other than this machine.
func loopbackDialer(t testing.TB, routes map[string]string) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		loopback, ok := routes[address]
		if !ok {
			t.Errorf("DialContext(%q, %q) called for an address outside the test routes", network, address)
			return nil, fmt.Errorf("test dialer: no route for %s", address)
		}
		if !strings.HasPrefix(loopback, "127.0.0.1:") {
			t.Fatalf("test route %s → %s leaves 127.0.0.1", address, loopback)
		}
		return (&net.Dialer{}).DialContext(ctx, network, loopback)
	}
}

// noDial is an Options.DialContext for tests that must fail before connecting.
func noDial(t testing.TB) func(context.Context, string, string) (net.Conn, error) {
	return func(_ context.Context, network, address string) (net.Conn, error) {
		t.Errorf("DialContext(%q, %q) called, want no connection", network, address)
		return nil, fmt.Errorf("test dialer: connections are not allowed")
	}
}

// connectProxy is an HTTP CONNECT proxy on 127.0.0.1 for tests.
type connectProxy struct {
	address string
	// requests receives each CONNECT request, while it has room.
	requests chan *http.Request
}

// proxyConfig sets how a test proxy behaves.
type proxyConfig struct {
	// routes maps a CONNECT target to the 127.0.0.1 address to tunnel to.
	// Targets on 127.0.0.1 are tunnelled as they are; others get 403.
	routes map[string]string
	// tls, when set, makes the proxy speak TLS to its clients (an https:// proxy).
	tls *tls.Config
	// respond, when set, replaces the tunnel: it writes its own reply to conn.
	respond func(conn net.Conn, request *http.Request)
}

// startConnectProxy runs a CONNECT proxy on a new 127.0.0.1 port until the
// test ends.
func startConnectProxy(t testing.TB, config proxyConfig) *connectProxy {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.1: %v", err)
	}
	if config.tls != nil {
		listener = tls.NewListener(listener, config.tls)
	}
	proxy := &connectProxy{address: listener.Addr().String(), requests: make(chan *http.Request, 16)}

	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				proxy.serve(conn, config)
			})
		}
	})
	t.Cleanup(func() {
		listener.Close()
		wg.Wait()
	})
	return proxy
}

// url returns the proxy's URL with the given scheme and user information.
func (p *connectProxy) url(scheme string, user *url.Userinfo) *url.URL {
	return &url.URL{Scheme: scheme, Host: p.address, User: user}
}

func (p *connectProxy) serve(conn net.Conn, config proxyConfig) {
	reader := bufio.NewReader(conn)
	request, err := http.ReadRequest(reader)
	if err != nil {
		return
	}
	select {
	case p.requests <- request:
	default:
	}

	if config.respond != nil {
		config.respond(conn, request)
		return
	}
	if request.Method != http.MethodConnect {
		io.WriteString(conn, "HTTP/1.1 405 Method Not Allowed\r\n\r\n")
		return
	}

	upstreamAddress, ok := config.routes[request.Host]
	if !ok && strings.HasPrefix(request.Host, "127.0.0.1:") {
		upstreamAddress, ok = request.Host, true
	}
	if !ok || !strings.HasPrefix(upstreamAddress, "127.0.0.1:") {
		io.WriteString(conn, "HTTP/1.1 403 Forbidden\r\n\r\n")
		return
	}
	upstream, err := net.Dial("tcp", upstreamAddress)
	if err != nil {
		io.WriteString(conn, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
		return
	}
	defer upstream.Close()
	io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")

	done := make(chan struct{})
	go func() {
		io.Copy(upstream, reader)
		upstream.Close()
		close(done)
	}()
	io.Copy(conn, upstream)
	conn.Close()
	<-done
}
