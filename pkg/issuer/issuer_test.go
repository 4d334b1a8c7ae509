package issuer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/issuer"
)

func TestParseDiscovery(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		wantIssuer  string
		wantJWKSURI string
		// wantErr is a substring of the expected error, or empty for success.
		wantErr string
	}{
		{
			name:        "EKS document",
			body:        `{"issuer":"https://oidc.eks.us-west-2.amazonaws.com/id/ABC","jwks_uri":"https://oidc.eks.us-west-2.amazonaws.com/id/ABC/keys","response_types_supported":["id_token"]}`,
			wantIssuer:  "https://oidc.eks.us-west-2.amazonaws.com/id/ABC",
			wantJWKSURI: "https://oidc.eks.us-west-2.amazonaws.com/id/ABC/keys",
		},
		{
			name:        "internal jwks_uri of the API server",
			body:        `{"issuer":"https://oidc.eks.us-west-2.amazonaws.com/id/ABC","jwks_uri":"https://ip-192-168-1-1.us-west-2.compute.internal:443/openid/v1/jwks"}`,
			wantIssuer:  "https://oidc.eks.us-west-2.amazonaws.com/id/ABC",
			wantJWKSURI: "https://ip-192-168-1-1.us-west-2.compute.internal:443/openid/v1/jwks",
		},
		{
			name:    "missing issuer",
			body:    `{"jwks_uri":"https://issuer.example.com/keys"}`,
			wantErr: `missing "issuer"`,
		},
		{
			name:    "missing jwks_uri",
			body:    `{"issuer":"https://issuer.example.com"}`,
			wantErr: `missing "jwks_uri"`,
		},
		{
			name:    "http jwks_uri",
			body:    `{"issuer":"https://issuer.example.com","jwks_uri":"http://issuer.example.com/keys"}`,
			wantErr: "is not an https URL",
		},
		{
			name:    "jwks_uri without host",
			body:    `{"issuer":"https://issuer.example.com","jwks_uri":"https:///keys"}`,
			wantErr: "is not an https URL",
		},
		{
			name:    "relative jwks_uri",
			body:    `{"issuer":"https://issuer.example.com","jwks_uri":"/keys"}`,
			wantErr: "is not an https URL",
		},
		{
			name:    "not JSON",
			body:    `<html><body>Access Denied</body></html>`,
			wantErr: "invalid discovery document",
		},
		{
			name:    "issuer of the wrong type",
			body:    `{"issuer":42,"jwks_uri":"https://issuer.example.com/keys"}`,
			wantErr: "invalid discovery document",
		},
		{
			name:    "empty body",
			body:    ``,
			wantErr: "invalid discovery document",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := issuer.ParseDiscovery([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseDiscovery(%s) = %+v, nil, want an error containing %q", tt.body, got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseDiscovery(%s) error = %q, want it to contain %q", tt.body, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDiscovery(%s) error = %v, want nil", tt.body, err)
			}
			if got.Issuer != tt.wantIssuer {
				t.Errorf("ParseDiscovery(%s).Issuer = %q, want %q", tt.body, got.Issuer, tt.wantIssuer)
			}
			if got.JWKSURI != tt.wantJWKSURI {
				t.Errorf("ParseDiscovery(%s).JWKSURI = %q, want %q", tt.body, got.JWKSURI, tt.wantJWKSURI)
			}
		})
	}
}

// testKeys are public keys of the kinds that an API server signs tokens with.
type testKeys struct {
	rsa *rsa.PublicKey
	ec  *ecdsa.PublicKey
}

func newTestKeys(t *testing.T) testKeys {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate RSA key: %v", err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate EC key: %v", err)
	}

	return testKeys{rsa: &rsaKey.PublicKey, ec: &ecKey.PublicKey}
}

// marshalJWKS encodes keys as a JWKS with go-jose.
func marshalJWKS(t *testing.T, keys ...jose.JSONWebKey) []byte {
	t.Helper()
	data, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatalf("marshal JWKS: %v", err)
	}

	return data
}

func TestParseKeyIDs(t *testing.T) {
	keys := newTestKeys(t)
	rsaKey := jose.JSONWebKey{Key: keys.rsa, KeyID: "rsa-key", Algorithm: "RS256", Use: "sig"}
	ecKey := jose.JSONWebKey{Key: keys.ec, KeyID: "ec-key", Algorithm: "ES256", Use: "sig"}
	noKeyID := jose.JSONWebKey{Key: keys.ec, Algorithm: "ES256", Use: "sig"}

	tests := []struct {
		name string
		body []byte
		want []string
		// wantErr is a substring of the expected error, or empty for success.
		wantErr string
	}{
		{
			name: "RSA key",
			body: marshalJWKS(t, rsaKey),
			want: []string{"rsa-key"},
		},
		{
			name: "EC key",
			body: marshalJWKS(t, ecKey),
			want: []string{"ec-key"},
		},
		{
			name: "sorted key IDs",
			body: marshalJWKS(t, rsaKey, ecKey),
			want: []string{"ec-key", "rsa-key"},
		},
		{
			name:    "key without kid",
			body:    marshalJWKS(t, rsaKey, noKeyID),
			wantErr: `key 1 has no "kid"`,
		},
		{
			name:    "no keys",
			body:    []byte(`{"keys":[]}`),
			wantErr: "no keys",
		},
		{
			name:    "null keys",
			body:    []byte(`{"keys":null}`),
			wantErr: "no keys",
		},
		{
			name:    "not JSON",
			body:    []byte(`not json`),
			wantErr: "invalid JWKS",
		},
		{
			name:    "JSON array",
			body:    []byte(`[]`),
			wantErr: "invalid JWKS",
		},
		{
			// RFC 7517, section 5: keys of an unknown type are ignored.
			name: "unknown kty skipped",
			body: []byte(`{"keys":[` + string(mustMarshal(t, rsaKey)) + `,{"kty":"XYZ","kid":"future-key"}]}`),
			want: []string{"rsa-key"},
		},
		{
			name:    "only unknown kty",
			body:    []byte(`{"keys":[{"kty":"XYZ","kid":"future-key"}]}`),
			wantErr: "no keys of a known type",
		},
		{
			name:    "RSA key without modulus",
			body:    []byte(`{"keys":[{"kty":"RSA","kid":"broken","e":"AQAB"}]}`),
			wantErr: "invalid JWKS: key 0: go-jose/go-jose: invalid RSA key",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := issuer.ParseKeyIDs(tt.body)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseKeyIDs(%s) = %q, nil, want an error containing %q", tt.body, got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseKeyIDs(%s) error = %q, want it to contain %q", tt.body, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKeyIDs(%s) error = %v, want nil", tt.body, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseKeyIDs(%s) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}

	return data
}

// newIssuerServer starts an HTTPS server on 127.0.0.1 whose handler may read
// the server's own URL, and returns it with a client that trusts it.
func newIssuerServer(t *testing.T, handler func(w http.ResponseWriter, r *http.Request, serverURL string)) (*httptest.Server, *http.Client) {
	t.Helper()
	var server *httptest.Server
	server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler(w, r, server.URL)
	}))
	t.Cleanup(server.Close)

	return server, server.Client()
}

func writeJSON(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(body))
}

func TestFetchDiscovery(t *testing.T) {
	tests := []struct {
		name string
		// path is appended to the server URL to form the issuer.
		path    string
		handler func(w http.ResponseWriter, r *http.Request, serverURL string)
		// wantErr is a substring of the expected error, or empty for success.
		wantErr string
	}{
		{
			name: "matching issuer",
			path: "/id/ABC",
			handler: func(w http.ResponseWriter, r *http.Request, serverURL string) {
				if r.URL.Path != "/id/ABC"+issuer.DiscoveryPath {
					http.NotFound(w, r)
					return
				}
				writeJSON(w, `{"issuer":"`+serverURL+`/id/ABC","jwks_uri":"`+serverURL+`/id/ABC/keys"}`)
			},
		},
		{
			name: "issuer with trailing slash",
			path: "/id/ABC/",
			handler: func(w http.ResponseWriter, r *http.Request, serverURL string) {
				if r.URL.Path != "/id/ABC"+issuer.DiscoveryPath {
					http.NotFound(w, r)
					return
				}
				writeJSON(w, `{"issuer":"`+serverURL+`/id/ABC","jwks_uri":"`+serverURL+`/id/ABC/keys"}`)
			},
		},
		{
			name: "issuer mismatch",
			path: "/id/ABC",
			handler: func(w http.ResponseWriter, r *http.Request, serverURL string) {
				writeJSON(w, `{"issuer":"`+serverURL+`/id/OTHER","jwks_uri":"`+serverURL+`/keys"}`)
			},
			wantErr: "/id/OTHER",
		},
		{
			name: "not found",
			path: "/id/ABC",
			handler: func(w http.ResponseWriter, r *http.Request, serverURL string) {
				http.NotFound(w, r)
			},
			wantErr: "HTTP status 404",
		},
		{
			name: "invalid document",
			path: "/id/ABC",
			handler: func(w http.ResponseWriter, r *http.Request, serverURL string) {
				writeJSON(w, `{"issuer":"`+serverURL+`/id/ABC"}`)
			},
			wantErr: `missing "jwks_uri"`,
		},
		{
			name: "body over the limit",
			path: "/id/ABC",
			handler: func(w http.ResponseWriter, r *http.Request, serverURL string) {
				doc := `{"issuer":"` + serverURL + `/id/ABC","jwks_uri":"` + serverURL + `/keys"}`
				writeJSON(w, doc+strings.Repeat(" ", issuer.MaxDocumentBytes+1-len(doc)))
			},
			wantErr: "body larger than",
		},
		{
			name: "body at the limit",
			path: "/id/ABC",
			handler: func(w http.ResponseWriter, r *http.Request, serverURL string) {
				doc := `{"issuer":"` + serverURL + `/id/ABC","jwks_uri":"` + serverURL + `/keys"}`
				writeJSON(w, doc+strings.Repeat(" ", issuer.MaxDocumentBytes-len(doc)))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server, client := newIssuerServer(t, tt.handler)
			issuerURL := server.URL + tt.path

			got, err := issuer.FetchDiscovery(context.Background(), client, issuerURL)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("FetchDiscovery(%q) = %+v, nil, want an error containing %q", issuerURL, got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("FetchDiscovery(%q) error = %q, want it to contain %q", issuerURL, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("FetchDiscovery(%q) error = %v, want nil", issuerURL, err)
			}
			if want := server.URL + "/id/ABC"; got.Issuer != want {
				t.Errorf("FetchDiscovery(%q).Issuer = %q, want %q", issuerURL, got.Issuer, want)
			}
		})
	}
}

func TestFetchDiscoveryMismatchReturnsDocument(t *testing.T) {
	server, client := newIssuerServer(t, func(w http.ResponseWriter, r *http.Request, serverURL string) {
		writeJSON(w, `{"issuer":"https://other.example.com","jwks_uri":"https://other.example.com/keys"}`)
	})

	got, err := issuer.FetchDiscovery(context.Background(), client, server.URL)
	if err == nil {
		t.Fatalf("FetchDiscovery(%q) error = nil, want an issuer mismatch", server.URL)
	}
	if got == nil {
		t.Fatalf("FetchDiscovery(%q) = nil, want the document that names the other issuer", server.URL)
	}
	if got.Issuer != "https://other.example.com" {
		t.Errorf("FetchDiscovery(%q).Issuer = %q, want %q", server.URL, got.Issuer, "https://other.example.com")
	}
	if !strings.Contains(err.Error(), server.URL) {
		t.Errorf("FetchDiscovery(%q) error = %q, want it to name the expected issuer", server.URL, err)
	}
}

// startStalledServer starts an HTTPS server on 127.0.0.1 that sends no
// response until the test ends. It must not respond when the client gives
// up, because net/http's client (seen with go1.26.8) returns a response that
// arrives while it cancels the request, and the test then gets a 200.
func startStalledServer(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	server := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	// Close waits for running handlers, so they are released first.
	t.Cleanup(func() {
		close(release)
		server.Close()
	})

	return server
}

func TestFetchDiscoverySlowServer(t *testing.T) {
	server := startStalledServer(t)
	client := server.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()

	start := time.Now()
	_, err := issuer.FetchDiscovery(ctx, client, server.URL)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("FetchDiscovery(slow server) error = %v, want context.DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("FetchDiscovery(slow server) took %v, want it to return soon after the 50ms deadline", elapsed)
	}
}

func TestFetchKeyIDs(t *testing.T) {
	keys := newTestKeys(t)
	jwks := marshalJWKS(t,
		jose.JSONWebKey{Key: keys.rsa, KeyID: "b-rsa", Algorithm: "RS256", Use: "sig"},
		jose.JSONWebKey{Key: keys.ec, KeyID: "a-ec", Algorithm: "ES256", Use: "sig"},
	)

	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    []string
		// wantErr is a substring of the expected error, or empty for success.
		wantErr string
	}{
		{
			name: "valid JWKS",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, string(jwks))
			},
			want: []string{"a-ec", "b-rsa"},
		},
		{
			name:    "not found",
			handler: http.NotFound,
			wantErr: "HTTP status 404",
		},
		{
			name: "server error",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "boom", http.StatusInternalServerError)
			},
			wantErr: "HTTP status 500",
		},
		{
			name: "body over the limit",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, string(jwks)+strings.Repeat(" ", issuer.MaxDocumentBytes))
			},
			wantErr: "body larger than",
		},
		{
			name: "no keys",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, `{"keys":[]}`)
			},
			wantErr: "no keys",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := httptest.NewTLSServer(tt.handler)
			defer server.Close()
			jwksURI := server.URL + "/keys"

			got, err := issuer.FetchKeyIDs(context.Background(), server.Client(), jwksURI)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("FetchKeyIDs(%q) = %q, nil, want an error containing %q", jwksURI, got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("FetchKeyIDs(%q) error = %q, want it to contain %q", jwksURI, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), jwksURI) {
					t.Errorf("FetchKeyIDs(%q) error = %q, want it to name the URL", jwksURI, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("FetchKeyIDs(%q) error = %v, want nil", jwksURI, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("FetchKeyIDs(%q) = %q, want %q", jwksURI, got, tt.want)
			}
		})
	}
}

func TestFetchKeyIDsSlowServer(t *testing.T) {
	server := startStalledServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()

	_, err := issuer.FetchKeyIDs(ctx, server.Client(), server.URL+"/keys")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("FetchKeyIDs(slow server) error = %v, want context.DeadlineExceeded", err)
	}
}

// newAPIServerClient starts a plain HTTP server on 127.0.0.1 that plays the
// API server and returns the REST client that diagnose uses for discovery.
func newAPIServerClient(t *testing.T, handler http.HandlerFunc) rest.Interface {
	t.Helper()
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)

	clientset, err := kubernetes.NewForConfig(&rest.Config{Host: server.URL})
	if err != nil {
		t.Fatalf("create clientset for %s: %v", server.URL, err)
	}

	return clientset.Discovery().RESTClient()
}

// forbiddenStatus is the body of a 403 from the API server.
const forbiddenStatus = `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",` +
	`"message":"forbidden: User \"jane\" cannot get path \"/.well-known/openid-configuration\"",` +
	`"reason":"Forbidden","details":{},"code":403}`

func TestFromAPIServer(t *testing.T) {
	tests := []struct {
		name          string
		handler       http.HandlerFunc
		wantIssuer    string
		wantErr       string
		wantForbidden bool
	}{
		{
			name: "discovery served",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != issuer.DiscoveryPath {
					http.NotFound(w, r)
					return
				}
				writeJSON(w, `{"issuer":"https://oidc.eks.us-west-2.amazonaws.com/id/ABC","jwks_uri":"https://ip-10-0-0-1.us-west-2.compute.internal:443/openid/v1/jwks"}`)
			},
			wantIssuer: "https://oidc.eks.us-west-2.amazonaws.com/id/ABC",
		},
		{
			name: "forbidden",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(forbiddenStatus))
			},
			wantErr:       issuer.DiscoveryPath,
			wantForbidden: true,
		},
		{
			name: "forbidden as plain text",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "forbidden", http.StatusForbidden)
			},
			wantErr:       issuer.DiscoveryPath,
			wantForbidden: true,
		},
		{
			name: "server error",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "etcd unavailable", http.StatusInternalServerError)
			},
			wantErr: issuer.DiscoveryPath,
		},
		{
			name: "invalid document",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, `{"issuer":"https://issuer.example.com"}`)
			},
			wantErr: `missing "jwks_uri"`,
		},
		{
			name: "body over the limit",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, strings.Repeat(" ", issuer.MaxDocumentBytes+1))
			},
			wantErr: "body larger than",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := newAPIServerClient(t, tt.handler)

			got, err := issuer.FromAPIServer(context.Background(), client)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("FromAPIServer() = %+v, nil, want an error containing %q", got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("FromAPIServer() error = %q, want it to contain %q", err, tt.wantErr)
				}
				if gotForbidden := errors.Is(err, issuer.ErrForbidden); gotForbidden != tt.wantForbidden {
					t.Errorf("errors.Is(FromAPIServer() error, ErrForbidden) = %v, want %v (error %q)", gotForbidden, tt.wantForbidden, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromAPIServer() error = %v, want nil", err)
			}
			if got.Issuer != tt.wantIssuer {
				t.Errorf("FromAPIServer().Issuer = %q, want %q", got.Issuer, tt.wantIssuer)
			}
		})
	}
}

func TestClusterKeyIDs(t *testing.T) {
	keys := newTestKeys(t)
	jwks := marshalJWKS(t,
		jose.JSONWebKey{Key: keys.rsa, KeyID: "cluster-rsa", Algorithm: "RS256", Use: "sig"},
		jose.JSONWebKey{Key: keys.ec, KeyID: "cluster-ec", Algorithm: "ES256", Use: "sig"},
	)

	tests := []struct {
		name          string
		handler       http.HandlerFunc
		want          []string
		wantErr       string
		wantForbidden bool
	}{
		{
			name: "keys served",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != issuer.ClusterJWKSPath {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/jwk-set+json")
				_, _ = w.Write(jwks)
			},
			want: []string{"cluster-ec", "cluster-rsa"},
		},
		{
			name: "forbidden",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(forbiddenStatus))
			},
			wantErr:       issuer.ClusterJWKSPath,
			wantForbidden: true,
		},
		{
			name: "server error",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "internal error", http.StatusInternalServerError)
			},
			wantErr: issuer.ClusterJWKSPath,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := newAPIServerClient(t, tt.handler)

			got, err := issuer.ClusterKeyIDs(context.Background(), client)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ClusterKeyIDs() = %q, nil, want an error containing %q", got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ClusterKeyIDs() error = %q, want it to contain %q", err, tt.wantErr)
				}
				if gotForbidden := errors.Is(err, issuer.ErrForbidden); gotForbidden != tt.wantForbidden {
					t.Errorf("errors.Is(ClusterKeyIDs() error, ErrForbidden) = %v, want %v (error %q)", gotForbidden, tt.wantForbidden, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ClusterKeyIDs() error = %v, want nil", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ClusterKeyIDs() = %q, want %q", got, tt.want)
			}
		})
	}
}
