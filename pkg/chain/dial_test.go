package chain

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/certgen"
)

const systemPoolSign = "the chain verifies with the system pool but not with the CAs AWS trusts"

func TestInspect(t *testing.T) {
	c := newTestChain(t)
	empty := x509.NewCertPool()

	// The expired leaf's CAs were valid before it, so that an earlier Now can
	// verify the whole chain.
	longRoot := certgen.MustNew(certgen.Spec{CommonName: "Long Root CA", IsCA: true, NotBefore: time.Now().Add(-72 * time.Hour)}, nil)
	longIntermediate := certgen.MustNew(certgen.Spec{CommonName: "Long Intermediate CA", IsCA: true, NotBefore: time.Now().Add(-72 * time.Hour)}, longRoot)
	expiredLeaf := certgen.MustNew(certgen.Spec{
		CommonName: "expired.test",
		Hosts:      []string{"127.0.0.1"},
		NotBefore:  time.Now().Add(-48 * time.Hour),
		NotAfter:   time.Now().Add(-24 * time.Hour),
	}, longIntermediate)
	selfSigned := certgen.MustNew(certgen.Spec{CommonName: "self-signed.test", Hosts: []string{"127.0.0.1"}}, nil)

	// A new root cross-signed by an old one, as ACM's chains were with Starfield.
	oldRoot := certgen.MustNew(certgen.Spec{CommonName: "Old Root CA", IsCA: true}, nil)
	newRoot := certgen.MustNew(certgen.Spec{CommonName: "New Root CA", IsCA: true}, nil)
	crossSigned, err := certgen.CrossSign(newRoot, oldRoot)
	if err != nil {
		t.Fatal(err)
	}
	newIntermediate := certgen.MustNew(certgen.Spec{CommonName: "New Intermediate CA", IsCA: true}, newRoot)
	newLeaf := certgen.MustNew(certgen.Spec{CommonName: "issuer.test", Hosts: []string{"127.0.0.1"}}, newIntermediate)

	proxyCA := certgen.MustNew(certgen.Spec{CommonName: "Zscaler Root CA", IsCA: true}, nil)
	proxyLeaf := certgen.MustNew(certgen.Spec{CommonName: "issuer.test", Hosts: []string{"127.0.0.1"}}, proxyCA)

	tests := []struct {
		name   string
		server *tls.Config
		opts   Options

		wantPublic       bool
		wantPublicErr    string // substring of PublicErr, when PublicRoot is false
		wantSystem       bool
		wantTLSVersion   string // empty skips the check
		wantCertificates []*certgen.Cert
		wantSigns        []string
	}{
		{
			name:             "chain to trusted root",
			server:           serverConfig(c.leaf, c.intermediate),
			opts:             Options{TrustedRoots: poolOf(c.root), SystemRoots: empty},
			wantPublic:       true,
			wantSystem:       false,
			wantCertificates: []*certgen.Cert{c.leaf, c.intermediate},
		},
		{
			name:             "root not trusted",
			server:           serverConfig(c.leaf, c.intermediate),
			opts:             Options{TrustedRoots: empty, SystemRoots: empty},
			wantPublic:       false,
			wantPublicErr:    "unknown authority",
			wantCertificates: []*certgen.Cert{c.leaf, c.intermediate},
		},
		{
			name:             "root in system pool only",
			server:           serverConfig(c.leaf, c.intermediate),
			opts:             Options{TrustedRoots: empty, SystemRoots: poolOf(c.root)},
			wantPublic:       false,
			wantPublicErr:    "unknown authority",
			wantSystem:       true,
			wantCertificates: []*certgen.Cert{c.leaf, c.intermediate},
			wantSigns:        []string{systemPoolSign},
		},
		{
			name:             "root in both pools",
			server:           serverConfig(c.leaf, c.intermediate),
			opts:             Options{TrustedRoots: poolOf(c.root), SystemRoots: poolOf(c.root)},
			wantPublic:       true,
			wantSystem:       true,
			wantCertificates: []*certgen.Cert{c.leaf, c.intermediate},
		},
		{
			name:             "expired leaf",
			server:           serverConfig(expiredLeaf, longIntermediate),
			opts:             Options{TrustedRoots: poolOf(longRoot), SystemRoots: empty},
			wantPublic:       false,
			wantPublicErr:    "expired",
			wantCertificates: []*certgen.Cert{expiredLeaf, longIntermediate},
		},
		{
			name:             "expired leaf valid at earlier Now",
			server:           serverConfig(expiredLeaf, longIntermediate),
			opts:             Options{TrustedRoots: poolOf(longRoot), SystemRoots: empty, Now: func() time.Time { return time.Now().Add(-36 * time.Hour) }},
			wantPublic:       true,
			wantCertificates: []*certgen.Cert{expiredLeaf, longIntermediate},
		},
		{
			name:             "self-signed untrusted",
			server:           serverConfig(selfSigned),
			opts:             Options{TrustedRoots: empty, SystemRoots: empty},
			wantPublic:       false,
			wantPublicErr:    "unknown authority",
			wantCertificates: []*certgen.Cert{selfSigned},
		},
		{
			name:             "self-signed trusted",
			server:           serverConfig(selfSigned),
			opts:             Options{TrustedRoots: poolOf(selfSigned), SystemRoots: empty},
			wantPublic:       true,
			wantCertificates: []*certgen.Cert{selfSigned},
		},
		{
			name: "TLS 1.3 only server",
			server: func() *tls.Config {
				config := serverConfig(c.leaf, c.intermediate)
				config.MinVersion = tls.VersionTLS13
				return config
			}(),
			opts:             Options{TrustedRoots: poolOf(c.root), SystemRoots: empty},
			wantPublic:       true,
			wantTLSVersion:   "TLS 1.3",
			wantCertificates: []*certgen.Cert{c.leaf, c.intermediate},
		},
		{
			name: "TLS 1.2 max server",
			server: func() *tls.Config {
				config := serverConfig(c.leaf, c.intermediate)
				config.MaxVersion = tls.VersionTLS12
				return config
			}(),
			opts:             Options{TrustedRoots: poolOf(c.root), SystemRoots: empty},
			wantPublic:       true,
			wantTLSVersion:   "TLS 1.2",
			wantCertificates: []*certgen.Cert{c.leaf, c.intermediate},
		},
		{
			name:             "incomplete chain",
			server:           serverConfig(c.leaf),
			opts:             Options{TrustedRoots: poolOf(c.root), SystemRoots: poolOf(c.root)},
			wantPublic:       false,
			wantPublicErr:    "unknown authority",
			wantSystem:       false,
			wantCertificates: []*certgen.Cert{c.leaf},
		},
		{
			name:             "cross-signed root on top trusted by old root",
			server:           serverConfig(newLeaf, newIntermediate, crossSigned),
			opts:             Options{TrustedRoots: poolOf(oldRoot), SystemRoots: empty},
			wantPublic:       true,
			wantCertificates: []*certgen.Cert{newLeaf, newIntermediate, crossSigned},
		},
		{
			name:             "cross-signed root on top trusted by new root",
			server:           serverConfig(newLeaf, newIntermediate, crossSigned),
			opts:             Options{TrustedRoots: poolOf(newRoot), SystemRoots: empty},
			wantPublic:       true,
			wantCertificates: []*certgen.Cert{newLeaf, newIntermediate, crossSigned},
		},
		{
			name:             "interception proxy CA",
			server:           serverConfig(proxyLeaf),
			opts:             Options{SystemRoots: poolOf(proxyCA)},
			wantPublic:       false,
			wantPublicErr:    "unknown authority",
			wantSystem:       true,
			wantCertificates: []*certgen.Cert{proxyLeaf},
			wantSigns: []string{
				systemPoolSign,
				`certificate issuer "Zscaler Root CA" is a TLS-inspecting proxy (Zscaler)`,
			},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := startTLSServer(t, tt.server)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			result, err := Inspect(ctx, server.url, tt.opts)
			if err != nil {
				t.Fatalf("Inspect(%q) error = %v, want nil", server.url, err)
			}

			if result.PublicRoot != tt.wantPublic {
				t.Errorf("Inspect(%q).PublicRoot = %v, want %v (PublicErr %v)", server.url, result.PublicRoot, tt.wantPublic, result.PublicErr)
			}
			if tt.wantPublic && result.PublicErr != nil {
				t.Errorf("Inspect(%q).PublicErr = %v, want nil", server.url, result.PublicErr)
			}
			if !tt.wantPublic && (result.PublicErr == nil || !strings.Contains(result.PublicErr.Error(), tt.wantPublicErr)) {
				t.Errorf("Inspect(%q).PublicErr = %v, want an error containing %q", server.url, result.PublicErr, tt.wantPublicErr)
			}
			if result.SystemRoot != tt.wantSystem {
				t.Errorf("Inspect(%q).SystemRoot = %v, want %v (SystemErr %v)", server.url, result.SystemRoot, tt.wantSystem, result.SystemErr)
			}
			if tt.wantSystem == (result.SystemErr != nil) {
				t.Errorf("Inspect(%q).SystemErr = %v with SystemRoot %v, want an error exactly when SystemRoot is false", server.url, result.SystemErr, result.SystemRoot)
			}
			if tt.wantTLSVersion != "" && result.TLSVersion != tt.wantTLSVersion {
				t.Errorf("Inspect(%q).TLSVersion = %q, want %q", server.url, result.TLSVersion, tt.wantTLSVersion)
			}
			if result.Address != server.address {
				t.Errorf("Inspect(%q).Address = %q, want %q", server.url, result.Address, server.address)
			}
			if result.ServerName != "" {
				t.Errorf("Inspect(%q).ServerName = %q, want empty for an IP address", server.url, result.ServerName)
			}
			if result.Proxy != "" {
				t.Errorf("Inspect(%q).Proxy = %q, want empty for a direct connection", server.url, result.Proxy)
			}

			gotThumbprints := thumbprintsOf(result.Certificates)
			wantThumbprints := thumbprintsOf(certsOf(tt.wantCertificates))
			if !slices.Equal(gotThumbprints, wantThumbprints) {
				t.Errorf("Inspect(%q) certificates = %v, want %v", server.url, subjectsOf(result.Certificates), subjectsOf(certsOf(tt.wantCertificates)))
			}
			wantTop := tt.wantCertificates[len(tt.wantCertificates)-1].Cert
			if top := result.Top(); top == nil || !top.Equal(wantTop) {
				t.Errorf("Inspect(%q).Top() = %v, want %q", server.url, subjectOf(top), wantTop.Subject.CommonName)
			}

			if !slices.Equal(result.InterceptionSigns, tt.wantSigns) {
				t.Errorf("Inspect(%q).InterceptionSigns = %q, want %q", server.url, result.InterceptionSigns, tt.wantSigns)
			}
		})
	}
}

func TestInspectCrossSignedTopThumbprint(t *testing.T) {
	oldRoot := certgen.MustNew(certgen.Spec{CommonName: "Old Root CA", IsCA: true}, nil)
	newRoot := certgen.MustNew(certgen.Spec{CommonName: "New Root CA", IsCA: true}, nil)
	crossSigned, err := certgen.CrossSign(newRoot, oldRoot)
	if err != nil {
		t.Fatal(err)
	}
	intermediate := certgen.MustNew(certgen.Spec{CommonName: "New Intermediate CA", IsCA: true}, newRoot)
	leaf := certgen.MustNew(certgen.Spec{CommonName: "issuer.test", Hosts: []string{"127.0.0.1"}}, intermediate)
	server := startTLSServer(t, serverConfig(leaf, intermediate, crossSigned))

	result, err := Inspect(t.Context(), server.url, Options{TrustedRoots: poolOf(newRoot), SystemRoots: x509.NewCertPool()})
	if err != nil {
		t.Fatalf("Inspect(%q) error = %v, want nil", server.url, err)
	}

	// The thumbprint IAM needs is the cross-signed certificate's, although it
	// shares its subject and key with the self-signed root.
	got := Thumbprint(result.Top())
	if want := Thumbprint(crossSigned.Cert); got != want {
		t.Errorf("Thumbprint(Inspect(%q).Top()) = %s, want %s (cross-signed)", server.url, got, want)
	}
	if selfSigned := Thumbprint(newRoot.Cert); got == selfSigned {
		t.Errorf("Thumbprint(Inspect(%q).Top()) = %s, the self-signed root's, want the cross-signed certificate's", server.url, got)
	}
}

func TestInspectServerNameAndDefaultPort(t *testing.T) {
	c := newTestChain(t)
	server := startTLSServer(t, serverConfig(c.leaf, c.intermediate))
	opts := Options{
		TrustedRoots: poolOf(c.root),
		SystemRoots:  x509.NewCertPool(),
		DialContext:  loopbackDialer(t, map[string]string{"issuer.test:443": server.address}),
	}

	tests := []struct {
		name           string
		url            string
		wantAddress    string
		wantServerName string
	}{
		{name: "host name default port", url: "https://issuer.test/id/ABC", wantAddress: "issuer.test:443", wantServerName: "issuer.test"},
		{name: "host name trailing dot", url: "https://issuer.test./id/ABC", wantAddress: "issuer.test:443", wantServerName: "issuer.test"},
		{name: "explicit port 443", url: "https://issuer.test:443", wantAddress: "issuer.test:443", wantServerName: "issuer.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			result, err := Inspect(t.Context(), tt.url, opts)
			if err != nil {
				t.Fatalf("Inspect(%q) error = %v, want nil", tt.url, err)
			}
			if result.Address != tt.wantAddress {
				t.Errorf("Inspect(%q).Address = %q, want %q", tt.url, result.Address, tt.wantAddress)
			}
			if result.ServerName != tt.wantServerName {
				t.Errorf("Inspect(%q).ServerName = %q, want %q", tt.url, result.ServerName, tt.wantServerName)
			}
			if got := <-server.serverNames; got != tt.wantServerName {
				t.Errorf("Inspect(%q) sent SNI %q, want %q", tt.url, got, tt.wantServerName)
			}
			if !result.PublicRoot {
				t.Errorf("Inspect(%q).PublicRoot = false, want true (PublicErr %v)", tt.url, result.PublicErr)
			}
		})
	}
}

func TestInspectIPAddressSendsNoServerName(t *testing.T) {
	c := newTestChain(t)
	server := startTLSServer(t, serverConfig(c.leaf, c.intermediate))

	if _, err := Inspect(t.Context(), server.url, Options{TrustedRoots: poolOf(c.root), SystemRoots: x509.NewCertPool()}); err != nil {
		t.Fatalf("Inspect(%q) error = %v, want nil", server.url, err)
	}
	if got := <-server.serverNames; got != "" {
		t.Errorf("Inspect(%q) sent SNI %q, want none for an IP address", server.url, got)
	}
}

func TestInspectHostNameMismatch(t *testing.T) {
	c := newTestChain(t)
	server := startTLSServer(t, serverConfig(c.leaf, c.intermediate))
	opts := Options{
		TrustedRoots: poolOf(c.root),
		SystemRoots:  poolOf(c.root),
		DialContext:  loopbackDialer(t, map[string]string{"other.test:443": server.address}),
	}
	const rawURL = "https://other.test"

	result, err := Inspect(t.Context(), rawURL, opts)
	if err != nil {
		t.Fatalf("Inspect(%q) error = %v, want nil", rawURL, err)
	}
	var hostnameErr x509.HostnameError
	if !errors.As(result.PublicErr, &hostnameErr) {
		t.Errorf("Inspect(%q).PublicErr = %v, want x509.HostnameError", rawURL, result.PublicErr)
	}
	if !errors.As(result.SystemErr, &hostnameErr) {
		t.Errorf("Inspect(%q).SystemErr = %v, want x509.HostnameError", rawURL, result.SystemErr)
	}
}

func TestInspectRejectsOldTLS(t *testing.T) {
	c := newTestChain(t)
	config := serverConfig(c.leaf, c.intermediate)
	config.MinVersion = tls.VersionTLS10
	config.MaxVersion = tls.VersionTLS11
	server := startTLSServer(t, config)

	result, err := Inspect(t.Context(), server.url, Options{TrustedRoots: poolOf(c.root), SystemRoots: x509.NewCertPool()})
	if err == nil {
		t.Fatalf("Inspect(%q) = %s, want a TLS handshake error", server.url, result.TLSVersion)
	}
	if !strings.Contains(err.Error(), "TLS handshake with "+server.address) {
		t.Errorf("Inspect(%q) error = %q, want it to name the TLS handshake with %s", server.url, err, server.address)
	}
}

func TestInspectSilentServerDeadline(t *testing.T) {
	address := startSilentServer(t)
	rawURL := "https://" + address
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()

	_, err := Inspect(ctx, rawURL, Options{SystemRoots: x509.NewCertPool()})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Inspect(%q) error = %v, want one wrapping context.DeadlineExceeded", rawURL, err)
	}
}

func TestInspectSilentServerCancel(t *testing.T) {
	address := startSilentServer(t)
	rawURL := "https://" + address
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(100*time.Millisecond, cancel)
	defer timer.Stop()

	_, err := Inspect(ctx, rawURL, Options{SystemRoots: x509.NewCertPool()})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Inspect(%q) error = %v, want one wrapping context.Canceled", rawURL, err)
	}
}

func TestInspectCancelledBeforeDial(t *testing.T) {
	c := newTestChain(t)
	server := startTLSServer(t, serverConfig(c.leaf, c.intermediate))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := Inspect(ctx, server.url, Options{SystemRoots: x509.NewCertPool()})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Inspect(%q) with a cancelled context error = %v, want one wrapping context.Canceled", server.url, err)
	}
}

func TestInspectRejectsURL(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		wantErr string
	}{
		{name: "http scheme", url: "http://127.0.0.1:1/", wantErr: "scheme is http, expected https"},
		{name: "ftp scheme", url: "ftp://issuer.test/", wantErr: "scheme is ftp, expected https"},
		{name: "garbage", url: "not a url", wantErr: "missing scheme"},
		{name: "empty", url: "", wantErr: "missing scheme"},
		{name: "control character", url: "https://issuer.test/\x7f\n", wantErr: "invalid URL"},
		{name: "no host", url: "https:///path", wantErr: "missing host"},
		{name: "opaque", url: "https:issuer.test", wantErr: "missing host"},
		{name: "port zero", url: "https://issuer.test:0/", wantErr: `port "0" is not a number from 1 to 65535`},
		{name: "port too large", url: "https://issuer.test:65536/", wantErr: `port "65536" is not a number from 1 to 65535`},
		{name: "port not numeric", url: "https://issuer.test:https/", wantErr: "invalid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			result, err := Inspect(t.Context(), tt.url, Options{DialContext: noDial(t)})
			if err == nil {
				t.Fatalf("Inspect(%q) = %+v, want an error containing %q", tt.url, result, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Inspect(%q) error = %q, want it to contain %q", tt.url, err, tt.wantErr)
			}
		})
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		name string
		url  string
		want target
	}{
		{
			name: "host name",
			url:  "https://oidc.eks.us-west-2.amazonaws.com/id/ABCDEF",
			want: target{host: "oidc.eks.us-west-2.amazonaws.com", address: "oidc.eks.us-west-2.amazonaws.com:443", serverName: "oidc.eks.us-west-2.amazonaws.com"},
		},
		{
			name: "host name and port",
			url:  "https://issuer.test:8443",
			want: target{host: "issuer.test", address: "issuer.test:8443", serverName: "issuer.test"},
		},
		{
			name: "upper case scheme",
			url:  "HTTPS://issuer.test",
			want: target{host: "issuer.test", address: "issuer.test:443", serverName: "issuer.test"},
		},
		{
			name: "IPv4 address",
			url:  "https://192.0.2.10/keys",
			want: target{host: "192.0.2.10", address: "192.0.2.10:443"},
		},
		{
			name: "IPv6 address",
			url:  "https://[2001:db8::1]:8443/keys",
			want: target{host: "2001:db8::1", address: "[2001:db8::1]:8443"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTarget(tt.url)
			if err != nil {
				t.Fatalf("parseTarget(%q) error = %v, want nil", tt.url, err)
			}
			if got != tt.want {
				t.Errorf("parseTarget(%q) = %+v, want %+v", tt.url, got, tt.want)
			}
		})
	}
}

func BenchmarkInspect(b *testing.B) {
	c := newTestChain(b)
	server := startTLSServer(b, serverConfig(c.leaf, c.intermediate))
	opts := Options{TrustedRoots: poolOf(c.root), SystemRoots: poolOf(c.root)}

	for b.Loop() {
		if _, err := Inspect(b.Context(), server.url, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func certsOf(certs []*certgen.Cert) []*x509.Certificate {
	var out []*x509.Certificate
	for _, c := range certs {
		out = append(out, c.Cert)
	}
	return out
}

func thumbprintsOf(certs []*x509.Certificate) []string {
	var out []string
	for _, cert := range certs {
		out = append(out, Thumbprint(cert))
	}
	return out
}

func subjectsOf(certs []*x509.Certificate) []string {
	var out []string
	for _, cert := range certs {
		out = append(out, subjectOf(cert))
	}
	return out
}

func subjectOf(cert *x509.Certificate) string {
	if cert == nil {
		return "<nil>"
	}
	return cert.Subject.CommonName
}
