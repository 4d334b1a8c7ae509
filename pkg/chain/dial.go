package chain

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// maxProxyResponseSize bounds the bytes read for a proxy's reply to CONNECT.
// The reply is a status line and a few headers, and Inspect never reads its body.
const maxProxyResponseSize = 64 << 10

// Options configures Inspect. The zero value inspects with Mozilla's roots as
// the CAs AWS trusts, the system pool, the proxy environment and the clock.
type Options struct {
	// TrustedRoots are the CAs treated as trusted by AWS. Nil means PublicRoots().
	TrustedRoots *x509.CertPool
	// SystemRoots is the local trust store. Nil means x509.SystemCertPool().
	SystemRoots *x509.CertPool
	// Proxy chooses the proxy for a request to https://host:port. It returns a
	// nil URL for a direct connection. Nil means HTTPS_PROXY and NO_PROXY (or
	// their lowercase forms), read on each call. The environment never proxies
	// localhost or loopback addresses.
	Proxy func(*url.URL) (*url.URL, error)
	// Now is the time at which certificates are verified. Nil means time.Now.
	Now func() time.Time
	// DialContext opens the TCP connection to the server or to the proxy. Nil
	// means a net.Dialer with its defaults.
	DialContext func(ctx context.Context, network, address string) (net.Conn, error)
}

// Result is the certificate chain that one TLS handshake presented and how it
// verifies.
type Result struct {
	// Address is the host:port dialled, or requested from the proxy.
	Address string
	// ServerName is the SNI sent. It is empty when the host is an IP address.
	ServerName string
	// TLSVersion is the negotiated version, such as "TLS 1.2" or "TLS 1.3".
	TLSVersion string
	// Certificates are in presented order: [0] is the leaf and the last is the top.
	Certificates []*x509.Certificate

	// PublicRoot reports whether the chain verifies to Options.TrustedRoots,
	// with the presented non-leaf certificates as intermediates, the URL's host
	// as DNS name or IP address, at Options.Now. PublicErr is the failure.
	PublicRoot bool
	PublicErr  error
	// SystemRoot and SystemErr are the same check against Options.SystemRoots.
	SystemRoot bool
	SystemErr  error
	// VerifiedRoot is the root CA that the verified chain ends at, from the
	// trusted CAs or else the system pool; nil when neither verifies. It may
	// be a certificate the server does not send, such as the self-signed
	// form of a cross-signed root.
	VerifiedRoot *x509.Certificate

	// Proxy is the proxy URL used, with any password redacted. It is empty for
	// a direct connection.
	Proxy string
	// InterceptionSigns are readable reasons to suspect that a TLS-inspecting
	// proxy, not the server, presented the chain. A thumbprint from such a
	// chain differs from the one AWS computes, so it must not go into IAM.
	InterceptionSigns []string
	// Intercepted is true when a sign is strong: a proxy routes the
	// connection, or an issuer names a TLS-inspecting product. Verifying
	// with the system pool alone is weak, since a private CA installed on
	// this machine looks the same.
	Intercepted bool
}

// target is the server named by the URL given to Inspect.
type target struct {
	host       string // host name or IP address, without brackets or trailing dot
	address    string // host:port to connect to
	serverName string // SNI, empty for IP addresses
}

// proxyRoute is the proxy chosen for a connection.
type proxyRoute struct {
	url *url.URL
	// fromEnvironment is true when HTTPS_PROXY chose the proxy, false when
	// Options.Proxy did.
	fromEnvironment bool
}

// Inspect connects to the host of rawURL and returns the certificate chain it
// presents, with the result of verifying that chain. rawURL must use https.
// The port defaults to 443, the handshake requires TLS 1.2 or later, and SNI
// is the URL's host name. When a proxy applies, Inspect connects through it
// with HTTP CONNECT.
//
// ctx bounds the whole connect, CONNECT exchange and handshake, and when ctx
// ends first the error wraps ctx.Err(). Inspect has no timeout of its own, so
// pass a ctx with a deadline. Without one, a server that accepts TCP but never
// completes the handshake blocks Inspect forever.
func Inspect(ctx context.Context, rawURL string, opts Options) (*Result, error) {
	dest, err := parseTarget(rawURL)
	if err != nil {
		return nil, err
	}
	route, err := chooseProxy(opts, dest.address)
	if err != nil {
		return nil, err
	}

	conn, err := dialTarget(ctx, dest, route, opts)
	if err != nil {
		return nil, err
	}
	defer conn.Close()

	tlsConn := tls.Client(conn, &tls.Config{
		ServerName: dest.serverName,
		MinVersion: tls.VersionTLS12,
		// Verification is skipped here because Inspect must return the chain even
		// when it does not verify (self-signed, private CA, expired, intercepted).
		// verifyResult checks it afterwards against each pool.
		InsecureSkipVerify: true,
	})
	if err := tlsConn.HandshakeContext(ctx); err != nil {
		return nil, stepError(ctx, fmt.Sprintf("TLS handshake with %s", dest.address), err)
	}
	state := tlsConn.ConnectionState()

	result := &Result{
		Address:      dest.address,
		ServerName:   dest.serverName,
		TLSVersion:   tls.VersionName(state.Version),
		Certificates: state.PeerCertificates,
	}
	if route.url != nil {
		result.Proxy = route.url.Redacted()
	}
	verifyResult(result, dest.host, opts)
	result.InterceptionSigns, result.Intercepted = interceptionSigns(result, route)

	return result, nil
}

// parseTarget validates rawURL and returns the server it names.
func parseTarget(rawURL string) (target, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the URL, which the message below already names.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return target{}, fmt.Errorf("invalid URL %q: %w", rawURL, err)
	}
	if u.Scheme == "" {
		return target{}, fmt.Errorf("invalid URL %q: missing scheme; expected https://host[:port]/path", rawURL)
	}
	if u.Scheme != "https" {
		return target{}, fmt.Errorf("invalid URL %q: scheme is %s, expected https because IAM fetches OIDC keys only over https", rawURL, u.Scheme)
	}

	host := strings.TrimSuffix(u.Hostname(), ".")
	if host == "" {
		return target{}, fmt.Errorf("invalid URL %q: missing host; expected https://host[:port]/path", rawURL)
	}
	port := u.Port()
	if port == "" {
		port = "443"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return target{}, fmt.Errorf("invalid URL %q: port %q is not a number from 1 to 65535", rawURL, port)
	}

	dest := target{host: host, address: net.JoinHostPort(host, port)}
	if net.ParseIP(host) == nil {
		// RFC 6066 forbids IP addresses in SNI, so only host names are sent.
		dest.serverName = host
	}
	return dest, nil
}

// chooseProxy returns the proxy for a connection to address, or a route with
// a nil URL for a direct connection.
func chooseProxy(opts Options, address string) (proxyRoute, error) {
	proxyFunc := opts.Proxy
	route := proxyRoute{fromEnvironment: proxyFunc == nil}
	if proxyFunc == nil {
		proxyFunc = httpproxy.FromEnvironment().ProxyFunc()
	}

	proxyURL, err := proxyFunc(&url.URL{Scheme: "https", Host: address})
	if err != nil {
		return proxyRoute{}, fmt.Errorf("choose proxy for %s: %w", address, err)
	}
	if proxyURL == nil {
		return route, nil
	}
	if proxyURL.Scheme != "http" && proxyURL.Scheme != "https" {
		return proxyRoute{}, fmt.Errorf("proxy %s for %s: scheme %q is not supported; use an http:// or https:// proxy that accepts CONNECT",
			proxyURL.Redacted(), address, proxyURL.Scheme)
	}
	if proxyURL.Hostname() == "" {
		return proxyRoute{}, fmt.Errorf("proxy %s for %s: missing host", proxyURL.Redacted(), address)
	}
	route.url = proxyURL
	return route, nil
}

// proxyAddress returns host:port of the proxy, with the scheme's default port
// when the URL has none.
func proxyAddress(proxyURL *url.URL) string {
	port := proxyURL.Port()
	if port == "" {
		port = "80"
		if proxyURL.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(proxyURL.Hostname(), port)
}

// dialTarget opens a connection whose other end is dest, directly or through
// the proxy of route. Until the connection is closed, ending ctx interrupts
// any read or write on it, including the later TLS handshake.
func dialTarget(ctx context.Context, dest target, route proxyRoute, opts Options) (net.Conn, error) {
	dial := opts.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	address := dest.address
	if route.url != nil {
		address = proxyAddress(route.url)
	}

	rawConn, err := dial(ctx, "tcp", address)
	if err != nil {
		return nil, stepError(ctx, fmt.Sprintf("connect to %s", address), err)
	}
	// Reads and writes on a net.Conn do not watch a context, so a past deadline
	// is what unblocks them when ctx ends. It is set only after ctx has ended,
	// never from ctx.Deadline(), so that stepError finds ctx.Err() set and does
	// not report a bare I/O timeout.
	conn := &watchedConn{Conn: rawConn}
	conn.stopWatching = context.AfterFunc(ctx, func() {
		rawConn.SetDeadline(time.Unix(1, 0))
	})
	if route.url == nil {
		return conn, nil
	}

	tunnel, err := connectThroughProxy(ctx, conn, route.url, dest.address, opts)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return tunnel, nil
}

// watchedConn is a net.Conn that ctx interrupts through a deadline. Close
// also removes that watch, so that a long-lived ctx does not keep a reference
// to every connection closed before it ends.
type watchedConn struct {
	net.Conn
	stopWatching func() bool
}

func (c *watchedConn) Close() error {
	c.stopWatching()
	return c.Conn.Close()
}

// connectThroughProxy sends HTTP CONNECT for address to the proxy on conn
// and returns the tunnel that the proxy opens. For an https:// proxy it first
// verifies the proxy's own certificate against the system pool.
func connectThroughProxy(ctx context.Context, conn net.Conn, proxyURL *url.URL, address string, opts Options) (net.Conn, error) {
	proxyName := proxyURL.Redacted()

	if proxyURL.Scheme == "https" {
		roots, err := systemRoots(opts)
		if err != nil {
			return nil, fmt.Errorf("TLS handshake with proxy %s: %w", proxyName, err)
		}
		tlsConn := tls.Client(conn, &tls.Config{
			ServerName: proxyURL.Hostname(),
			RootCAs:    roots,
			MinVersion: tls.VersionTLS12,
		})
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			return nil, stepError(ctx, fmt.Sprintf("TLS handshake with proxy %s", proxyName), err)
		}
		conn = tlsConn
	}

	request := &http.Request{
		Method: http.MethodConnect,
		URL:    &url.URL{Opaque: address},
		Host:   address,
		Header: make(http.Header),
	}
	if user := proxyURL.User; user != nil {
		password, _ := user.Password()
		credentials := base64.StdEncoding.EncodeToString([]byte(user.Username() + ":" + password))
		request.Header.Set("Proxy-Authorization", "Basic "+credentials)
	}
	if err := request.Write(conn); err != nil {
		return nil, stepError(ctx, fmt.Sprintf("send CONNECT %s to proxy %s", address, proxyName), err)
	}

	limited := &io.LimitedReader{R: conn, N: maxProxyResponseSize}
	reader := bufio.NewReader(limited)
	response, err := http.ReadResponse(reader, request)
	if err != nil {
		if limited.N == 0 {
			return nil, fmt.Errorf("proxy %s sent a reply to CONNECT %s larger than %d KiB", proxyName, address, maxProxyResponseSize>>10)
		}
		return nil, stepError(ctx, fmt.Sprintf("read reply to CONNECT %s from proxy %s", address, proxyName), err)
	}
	// The body of a failed CONNECT is not read: only the status matters.
	if response.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("proxy %s rejected CONNECT %s: %s", proxyName, address, response.Status)
	}

	// A proxy may send tunnel bytes in the same packet as its reply, so any
	// bytes the reader buffered belong to the tunnel and are read first.
	if buffered := reader.Buffered(); buffered > 0 {
		prefix, _ := reader.Peek(buffered)
		return &prefixedConn{Conn: conn, prefix: prefix}, nil
	}
	return conn, nil
}

// prefixedConn is a net.Conn whose reads return prefix before reading from Conn.
type prefixedConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixedConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// stepError wraps err with the step that failed. When ctx has ended it wraps
// ctx.Err() instead, because the cause is the deadline or cancellation and
// err is only its symptom (a closed connection or an I/O timeout).
func stepError(ctx context.Context, step string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w", step, ctxErr)
	}
	return fmt.Errorf("%s: %w", step, err)
}
