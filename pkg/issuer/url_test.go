package issuer_test

import (
	"strings"
	"testing"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/issuer"
)

func TestProviderURL(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		// wantErr is a substring of the expected error, or empty for success.
		wantErr string
	}{
		{
			name: "EKS issuer",
			in:   "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
			want: "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
		},
		{
			name: "trailing slash removed",
			in:   "https://oidc.eks.us-west-2.amazonaws.com/id/ABC/",
			want: "oidc.eks.us-west-2.amazonaws.com/id/ABC",
		},
		{
			name: "upper-case host lowered",
			in:   "https://OIDC.EKS.us-west-2.AmazonAWS.com/id/abc",
			want: "oidc.eks.us-west-2.amazonaws.com/id/abc",
		},
		{
			name: "path case kept",
			in:   "https://issuer.example.com/Cluster/ID/AbC",
			want: "issuer.example.com/Cluster/ID/AbC",
		},
		{
			name: "upper-case scheme accepted",
			in:   "HTTPS://issuer.example.com/id",
			want: "issuer.example.com/id",
		},
		{
			name: "port kept",
			in:   "https://issuer.example.com:8443/id",
			want: "issuer.example.com:8443/id",
		},
		{
			name: "IPv6 host with port",
			in:   "https://[::1]:8443/id/",
			want: "[::1]:8443/id",
		},
		{
			name: "host only",
			in:   "https://Issuer.Example.com",
			want: "issuer.example.com",
		},
		{
			name: "host with slash",
			in:   "https://issuer.example.com/",
			want: "issuer.example.com",
		},
		{
			name: "surrounding spaces trimmed",
			in:   "  https://issuer.example.com/id \n",
			want: "issuer.example.com/id",
		},
		{
			name:    "http rejected",
			in:      "http://issuer.example.com/id",
			wantErr: "scheme must be https",
		},
		{
			name:    "no scheme rejected",
			in:      "issuer.example.com/id",
			wantErr: "scheme must be https",
		},
		{
			name:    "query rejected",
			in:      "https://issuer.example.com/id?cluster=a",
			wantErr: "query",
		},
		{
			name:    "fragment rejected",
			in:      "https://issuer.example.com/id#keys",
			wantErr: "fragment",
		},
		{
			name:    "user info rejected",
			in:      "https://admin:secret@issuer.example.com/id",
			wantErr: "user info",
		},
		{
			name:    "empty user info rejected",
			in:      "https://@issuer.example.com/id",
			wantErr: "user info",
		},
		{
			name:    "missing host",
			in:      "https:///id",
			wantErr: "missing host",
		},
		{
			name:    "opaque form has no host",
			in:      "https:issuer.example.com/id",
			wantErr: "missing host",
		},
		{
			name:    "empty",
			in:      "",
			wantErr: "scheme must be https",
		},
		{
			name:    "garbage",
			in:      "::::",
			wantErr: "missing protocol scheme",
		},
		{
			name:    "control character",
			in:      "https://issuer.example.com/\x7f",
			wantErr: "invalid control character",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := issuer.ProviderURL(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ProviderURL(%q) = %q, nil, want an error containing %q", tt.in, got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ProviderURL(%q) error = %q, want it to contain %q", tt.in, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "invalid issuer URL") {
					t.Errorf("ProviderURL(%q) error = %q, want it to start with the invalid issuer URL context", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ProviderURL(%q) error = %v, want nil", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ProviderURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestProviderURLEdgeForms covers issuer forms that an OIDC issuer must not
// have, and escaped bytes that STS compares literally.
func TestProviderURLEdgeForms(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{
			// OpenID Connect Discovery 1.0, section 3: the issuer has no query
			// component, and "?" starts one even when it is empty.
			name:    "empty query rejected",
			in:      "https://issuer.example.com/id?",
			wantErr: true,
		},
		{
			name:    "empty fragment rejected",
			in:      "https://issuer.example.com/id#",
			wantErr: true,
		},
		{
			// STS compares the token's iss with the provider URL as text, so an
			// escaped slash must stay escaped.
			name: "percent-encoded path kept",
			in:   "https://issuer.example.com/a%2Fb",
			want: "issuer.example.com/a%2Fb",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := issuer.ProviderURL(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Errorf("ProviderURL(%q) = %q, nil, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ProviderURL(%q) error = %v, want nil", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ProviderURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseIssuer(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantHost string
		wantPath string
		wantErr  bool
	}{
		{
			name:     "host and path kept as written",
			in:       "https://OIDC.example.com/Id/ABC/",
			wantHost: "OIDC.example.com",
			wantPath: "/Id/ABC/",
		},
		{
			name:     "port in host",
			in:       "https://issuer.example.com:8443",
			wantHost: "issuer.example.com:8443",
			wantPath: "",
		},
		{name: "http", in: "http://issuer.example.com", wantErr: true},
		{name: "query", in: "https://issuer.example.com/?a=b", wantErr: true},
		{name: "fragment", in: "https://issuer.example.com/#a", wantErr: true},
		{name: "user info", in: "https://user@issuer.example.com", wantErr: true},
		{name: "empty", in: "", wantErr: true},
		{name: "garbage", in: "%%%", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := issuer.ParseIssuer(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseIssuer(%q) = %v, nil, want an error", tt.in, got)
				}
				if !strings.Contains(err.Error(), tt.in) {
					t.Errorf("ParseIssuer(%q) error = %q, want it to name the input", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseIssuer(%q) error = %v, want nil", tt.in, err)
			}
			if got.Host != tt.wantHost {
				t.Errorf("ParseIssuer(%q).Host = %q, want %q", tt.in, got.Host, tt.wantHost)
			}
			if got.Path != tt.wantPath {
				t.Errorf("ParseIssuer(%q).Path = %q, want %q", tt.in, got.Path, tt.wantPath)
			}
		})
	}
}

func TestRegionFromHost(t *testing.T) {
	tests := []struct {
		name string
		host string
		want string
	}{
		{name: "EKS commercial", host: "oidc.eks.us-west-2.amazonaws.com", want: "us-west-2"},
		{name: "EKS upper case", host: "OIDC.EKS.EU-WEST-1.AMAZONAWS.COM", want: "eu-west-1"},
		{name: "EKS GovCloud", host: "oidc.eks.us-gov-west-1.amazonaws.com", want: "us-gov-west-1"},
		{name: "EKS China", host: "oidc.eks.cn-north-1.amazonaws.com.cn", want: "cn-north-1"},
		{name: "EKS China Ningxia", host: "oidc.eks.cn-northwest-1.amazonaws.com.cn", want: "cn-northwest-1"},
		{name: "no region", host: "oidc.eks.amazonaws.com", want: ""},
		{name: "empty region", host: "oidc.eks..amazonaws.com", want: ""},
		{name: "dotted region", host: "oidc.eks.us-west-2.extra.amazonaws.com", want: ""},
		{name: "S3 bucket host", host: "my-issuer.s3.us-west-2.amazonaws.com", want: ""},
		{name: "CloudFront host", host: "d111111abcdef8.cloudfront.net", want: ""},
		{name: "self-managed issuer", host: "issuer.example.com", want: ""},
		{name: "EKS name under another domain", host: "oidc.eks.us-west-2.amazonaws.com.example.com", want: ""},
		{name: "host with port", host: "oidc.eks.us-west-2.amazonaws.com:443", want: ""},
		{name: "empty", host: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := issuer.RegionFromHost(tt.host); got != tt.want {
				t.Errorf("RegionFromHost(%q) = %q, want %q", tt.host, got, tt.want)
			}
		})
	}
}
