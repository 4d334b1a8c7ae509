package issuer

import (
	"fmt"
	"net/url"
	"strings"
)

// ProviderURL returns the form of an issuer URL that IAM stores as an OIDC
// provider's URL and in its ARN: no scheme, lowercase host, no trailing
// slash. For example "https://OIDC.eks.us-west-2.amazonaws.com/id/ABC/"
// becomes "oidc.eks.us-west-2.amazonaws.com/id/ABC". The path keeps its case.
func ProviderURL(issuerURL string) (string, error) {
	u, err := ParseIssuer(issuerURL)
	if err != nil {
		return "", err
	}

	return strings.ToLower(u.Host) + strings.TrimSuffix(u.EscapedPath(), "/"), nil
}

// ParseIssuer checks that issuerURL is usable as an IRSA issuer: https, a
// host, and no query or fragment, as STS requires.
func ParseIssuer(issuerURL string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(issuerURL))
	if err != nil {
		return nil, fmt.Errorf("invalid issuer URL %q: %w", issuerURL, err)
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("invalid issuer URL %q: the scheme must be https", issuerURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("invalid issuer URL %q: missing host", issuerURL)
	}
	if u.RawQuery != "" || u.ForceQuery || strings.Contains(issuerURL, "#") || u.User != nil {
		return nil, fmt.Errorf("invalid issuer URL %q: must not have user info, a query or a fragment", issuerURL)
	}

	return u, nil
}

// RegionFromHost returns the AWS region in an EKS issuer host such as
// "oidc.eks.eu-west-1.amazonaws.com", or "" for any other host.
func RegionFromHost(host string) string {
	host = strings.ToLower(host)
	for _, suffix := range []string{".amazonaws.com", ".amazonaws.com.cn"} {
		rest, ok := strings.CutSuffix(host, suffix)
		if !ok {
			continue
		}
		region, ok := strings.CutPrefix(rest, "oidc.eks.")
		if ok && region != "" && !strings.Contains(region, ".") {
			return region
		}
	}

	return ""
}
