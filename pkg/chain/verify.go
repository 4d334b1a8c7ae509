package chain

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"strings"
	"time"
)

// interceptionProduct is a TLS-inspecting proxy product, recognised by the
// issuer names of the certificates it issues.
type interceptionProduct struct {
	name string
	// patterns are lowercase substrings of an issuer's common name,
	// organization or organizational unit.
	patterns []string
}

// interceptionProducts are the TLS-inspecting proxies whose CA names mark an
// intercepted chain. Fiddler Classic names its root CA "DO_NOT_TRUST_FiddlerRoot".
var interceptionProducts = []interceptionProduct{
	{name: "Zscaler", patterns: []string{"zscaler"}},
	{name: "Netskope", patterns: []string{"netskope"}},
	{name: "Palo Alto Networks", patterns: []string{"palo alto networks"}},
	{name: "Fortinet FortiGate", patterns: []string{"fortinet", "fortigate"}},
	{name: "Blue Coat", patterns: []string{"blue coat", "bluecoat"}},
	{name: "Symantec Web Security", patterns: []string{"symantec web security"}},
	{name: "Forcepoint", patterns: []string{"forcepoint"}},
	{name: "Cisco Umbrella", patterns: []string{"cisco umbrella"}},
	{name: "Sophos", patterns: []string{"sophos"}},
	{name: "McAfee Web Gateway", patterns: []string{"mcafee web gateway"}},
	{name: "Check Point", patterns: []string{"check point", "checkpoint"}},
	{name: "mitmproxy", patterns: []string{"mitmproxy"}},
	{name: "Charles Proxy", patterns: []string{"charles proxy"}},
	{name: "Fiddler", patterns: []string{"fiddler", "do_not_trust"}},
}

// systemRoots returns Options.SystemRoots, or the system pool when it is nil.
func systemRoots(opts Options) (*x509.CertPool, error) {
	if opts.SystemRoots != nil {
		return opts.SystemRoots, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		return nil, fmt.Errorf("load system certificate pool: %w", err)
	}
	return pool, nil
}

// verifyResult sets the PublicRoot and SystemRoot verdicts of result for a
// server reached as host.
func verifyResult(result *Result, host string, opts Options) {
	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}

	trusted := opts.TrustedRoots
	if trusted == nil {
		trusted = PublicRoots()
	}
	var publicRoot, systemRoot *x509.Certificate
	publicRoot, result.PublicErr = verifyChain(result.Certificates, trusted, host, now)
	result.PublicRoot = result.PublicErr == nil

	system, err := systemRoots(opts)
	if err == nil {
		systemRoot, err = verifyChain(result.Certificates, system, host, now)
	}
	result.VerifiedRoot = publicRoot
	if result.VerifiedRoot == nil {
		result.VerifiedRoot = systemRoot
	}
	result.SystemErr = err
	result.SystemRoot = err == nil
}

// verifyChain verifies presented[0] as a TLS server certificate for host
// (a DNS name or IP address) at now, with roots as trust anchors and the
// rest of presented as intermediates.
// verifyChain verifies the presented chain against roots and returns the
// root that the first verified chain ends at.
func verifyChain(presented []*x509.Certificate, roots *x509.CertPool, host string, now time.Time) (*x509.Certificate, error) {
	if len(presented) == 0 {
		return nil, errors.New("the server presented no certificate")
	}
	intermediates := x509.NewCertPool()
	for _, cert := range presented[1:] {
		intermediates.AddCert(cert)
	}

	chains, err := presented[0].Verify(x509.VerifyOptions{
		DNSName:       host,
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return nil, err
	}
	verified := chains[0]

	return verified[len(verified)-1], nil
}

// interceptionSigns returns readable reasons to suspect that a TLS-inspecting
// proxy presented the chain in result, in a fixed order without duplicates.
func interceptionSigns(result *Result, route proxyRoute) (signs []string, strong bool) {
	if result.SystemRoot && !result.PublicRoot {
		signs = append(signs, "the chain verifies with the system pool but not with the CAs AWS trusts")
	}

	seen := make(map[string]bool)
	for _, cert := range result.Certificates {
		// Only issuers are checked: a leaf's subject is the server itself, which
		// may legitimately belong to one of these vendors.
		name := displayName(cert.Issuer)
		if seen[name] {
			continue
		}
		seen[name] = true
		if product, ok := matchInterceptionProduct(cert.Issuer); ok {
			signs = append(signs, fmt.Sprintf("certificate issuer %q is a TLS-inspecting proxy (%s)", name, product))
			strong = true
		}
	}

	if route.url != nil {
		setting := "the Proxy option"
		if route.fromEnvironment {
			setting = "HTTPS_PROXY"
		}
		signs = append(signs, fmt.Sprintf("%s routes this connection through %s", setting, proxyAddress(route.url)))
		strong = true
	}

	return signs, strong
}

// matchInterceptionProduct returns the TLS-inspecting proxy product that name
// belongs to, matching its common name, organization and organizational unit
// without regard to case.
func matchInterceptionProduct(name pkix.Name) (string, bool) {
	fields := []string{name.CommonName}
	fields = append(fields, name.Organization...)
	fields = append(fields, name.OrganizationalUnit...)

	for _, field := range fields {
		field = strings.ToLower(field)
		for _, product := range interceptionProducts {
			for _, pattern := range product.patterns {
				if strings.Contains(field, pattern) {
					return product.name, true
				}
			}
		}
	}
	return "", false
}

// displayName returns the common name of name, or the whole distinguished
// name when the common name is empty.
func displayName(name pkix.Name) string {
	if name.CommonName != "" {
		return name.CommonName
	}
	return name.String()
}
