package chain

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net/url"
	"slices"
	"testing"
	"time"
)

func TestMatchInterceptionProduct(t *testing.T) {
	tests := []struct {
		name        string
		issuer      pkix.Name
		wantProduct string // empty when no product matches
	}{
		{name: "Zscaler common name", issuer: pkix.Name{CommonName: "Zscaler Intermediate Root CA (zscaler.net)"}, wantProduct: "Zscaler"},
		{name: "Netskope organization", issuer: pkix.Name{CommonName: "ca.example.goskope.com", Organization: []string{"Netskope Inc"}}, wantProduct: "Netskope"},
		{name: "Palo Alto organization", issuer: pkix.Name{CommonName: "Forward Trust CA", Organization: []string{"Palo Alto Networks"}}, wantProduct: "Palo Alto Networks"},
		{name: "FortiGate common name", issuer: pkix.Name{CommonName: "FortiGate CA"}, wantProduct: "Fortinet FortiGate"},
		{name: "Fortinet organization", issuer: pkix.Name{CommonName: "FG100F", Organization: []string{"Fortinet"}}, wantProduct: "Fortinet FortiGate"},
		{name: "Blue Coat", issuer: pkix.Name{CommonName: "Blue Coat SSL Proxy CA"}, wantProduct: "Blue Coat"},
		{name: "Symantec Web Security", issuer: pkix.Name{CommonName: "Symantec Web Security Service Root"}, wantProduct: "Symantec Web Security"},
		{name: "Forcepoint", issuer: pkix.Name{CommonName: "Forcepoint Cloud Proxy CA"}, wantProduct: "Forcepoint"},
		{name: "Cisco Umbrella", issuer: pkix.Name{CommonName: "Cisco Umbrella Secondary SubCA"}, wantProduct: "Cisco Umbrella"},
		{name: "Sophos", issuer: pkix.Name{CommonName: "Sophos SSL CA_C1"}, wantProduct: "Sophos"},
		{name: "McAfee Web Gateway", issuer: pkix.Name{CommonName: "McAfee Web Gateway"}, wantProduct: "McAfee Web Gateway"},
		{name: "Check Point", issuer: pkix.Name{CommonName: "Check Point Outbound CA"}, wantProduct: "Check Point"},
		{name: "mitmproxy", issuer: pkix.Name{CommonName: "mitmproxy", Organization: []string{"mitmproxy"}}, wantProduct: "mitmproxy"},
		{name: "Charles Proxy", issuer: pkix.Name{CommonName: "Charles Proxy CA (1 Jan 2026, host)"}, wantProduct: "Charles Proxy"},
		{name: "Fiddler root", issuer: pkix.Name{CommonName: "DO_NOT_TRUST_FiddlerRoot", OrganizationalUnit: []string{"Created by http://www.fiddler2.com"}}, wantProduct: "Fiddler"},
		{name: "case-insensitive", issuer: pkix.Name{CommonName: "ZSCALER ROOT CA"}, wantProduct: "Zscaler"},
		{name: "public CA", issuer: pkix.Name{CommonName: "Amazon RSA 2048 M02", Organization: []string{"Amazon"}}},
		{name: "private CA", issuer: pkix.Name{CommonName: "Test Root CA", Organization: []string{"oidc-thumbprint tests"}}},
		{name: "empty name", issuer: pkix.Name{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := matchInterceptionProduct(tt.issuer)
			if got != tt.wantProduct || ok != (tt.wantProduct != "") {
				t.Errorf("matchInterceptionProduct(%q) = %q, %v, want %q, %v", tt.issuer.String(), got, ok, tt.wantProduct, tt.wantProduct != "")
			}
		})
	}
}

func TestInterceptionSigns(t *testing.T) {
	vendorLeaf := &x509.Certificate{
		Subject: pkix.Name{CommonName: "www.zscaler.com", Organization: []string{"Zscaler, Inc."}},
		Issuer:  pkix.Name{CommonName: "DigiCert Global G2 TLS RSA SHA256 2020 CA1"},
	}
	intercepted := &x509.Certificate{
		Subject: pkix.Name{CommonName: "oidc.eks.us-west-2.amazonaws.com"},
		Issuer:  pkix.Name{CommonName: "Zscaler Intermediate Root CA"},
	}
	interceptingCA := &x509.Certificate{
		Subject: pkix.Name{CommonName: "Zscaler Intermediate Root CA"},
		Issuer:  pkix.Name{CommonName: "Zscaler Root CA"},
	}
	envProxy := proxyRoute{url: &url.URL{Scheme: "http", Host: "proxy.example:3128"}, fromEnvironment: true}
	optionProxy := proxyRoute{url: &url.URL{Scheme: "http", Host: "proxy.example"}}

	tests := []struct {
		name   string
		result *Result
		route  proxyRoute
		want   []string
		// strong is true when a sign is more than the system-pool one.
		strong bool
	}{
		{
			name:   "public chain direct",
			result: &Result{Certificates: []*x509.Certificate{vendorLeaf}, PublicRoot: true, SystemRoot: true},
		},
		{
			name:   "public chain failing system pool",
			result: &Result{Certificates: []*x509.Certificate{vendorLeaf}, PublicRoot: true, SystemRoot: false},
		},
		{
			name:   "private chain in system pool",
			result: &Result{Certificates: []*x509.Certificate{vendorLeaf}, SystemRoot: true},
			want:   []string{systemPoolSign},
		},
		{
			name:   "vendor issuers",
			result: &Result{Certificates: []*x509.Certificate{intercepted, interceptingCA}, SystemRoot: true},
			want: []string{
				systemPoolSign,
				`certificate issuer "Zscaler Intermediate Root CA" is a TLS-inspecting proxy (Zscaler)`,
				`certificate issuer "Zscaler Root CA" is a TLS-inspecting proxy (Zscaler)`,
			},
			strong: true,
		},
		{
			name:   "repeated issuer listed once",
			result: &Result{Certificates: []*x509.Certificate{intercepted, intercepted}},
			want:   []string{`certificate issuer "Zscaler Intermediate Root CA" is a TLS-inspecting proxy (Zscaler)`},
			strong: true,
		},
		{
			name:   "environment proxy",
			result: &Result{Certificates: []*x509.Certificate{vendorLeaf}, PublicRoot: true, SystemRoot: true},
			route:  envProxy,
			want:   []string{"HTTPS_PROXY routes this connection through proxy.example:3128"},
			strong: true,
		},
		{
			name:   "option proxy default port",
			result: &Result{Certificates: []*x509.Certificate{vendorLeaf}, PublicRoot: true, SystemRoot: true},
			route:  optionProxy,
			want:   []string{"the Proxy option routes this connection through proxy.example:80"},
			strong: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, strong := interceptionSigns(tt.result, tt.route)
			if !slices.Equal(got, tt.want) {
				t.Errorf("interceptionSigns(%s) = %q, want %q", tt.name, got, tt.want)
			}
			if strong != tt.strong {
				t.Errorf("interceptionSigns(%s) strong = %t, want %t", tt.name, strong, tt.strong)
			}
		})
	}
}

func TestVerifyChainEmpty(t *testing.T) {
	_, err := verifyChain(nil, x509.NewCertPool(), "issuer.test", time.Now())
	if err == nil {
		t.Errorf("verifyChain(no certificates) = nil, want an error")
	}
}
