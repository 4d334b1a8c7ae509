// Package issuer reads the OpenID Connect discovery documents and key sets
// of a service account issuer: the API server's own copies and the public
// ones that AWS STS fetches.
package issuer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/go-jose/go-jose/v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
)

// MaxDocumentBytes bounds every discovery document and JWKS read, from the
// API server or the network. Real ones are a few kilobytes.
const MaxDocumentBytes = 1 << 20

const (
	// DiscoveryPath is where an issuer, and the API server, serve discovery.
	DiscoveryPath = "/.well-known/openid-configuration"
	// ClusterJWKSPath is where the API server serves its public keys.
	ClusterJWKSPath = "/openid/v1/jwks"
)

// ErrForbidden means the API server rejected the request with 403.
var ErrForbidden = errors.New("forbidden")

// ErrTooLarge means a body exceeded MaxDocumentBytes.
var ErrTooLarge = fmt.Errorf("body larger than %d bytes", MaxDocumentBytes)

// Discovery holds the fields of a discovery document that the checks use.
type Discovery struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
}

// FromAPIServer reads the API server's discovery document. A 403 is
// returned wrapping ErrForbidden.
func FromAPIServer(ctx context.Context, client rest.Interface) (*Discovery, error) {
	body, err := getAPIServer(ctx, client, DiscoveryPath)
	if err != nil {
		return nil, err
	}

	return ParseDiscovery(body)
}

// ClusterKeyIDs reads the key IDs of the API server's JWKS, sorted.
func ClusterKeyIDs(ctx context.Context, client rest.Interface) ([]string, error) {
	body, err := getAPIServer(ctx, client, ClusterJWKSPath)
	if err != nil {
		return nil, err
	}

	return ParseKeyIDs(body)
}

func getAPIServer(ctx context.Context, client rest.Interface, path string) ([]byte, error) {
	stream, err := client.Get().AbsPath(path).Stream(ctx)
	if apierrors.IsForbidden(err) {
		return nil, fmt.Errorf("GET %s on the API server: %w: %v", path, ErrForbidden, err)
	}
	if err != nil {
		return nil, fmt.Errorf("GET %s on the API server: %w", path, err)
	}
	defer stream.Close()

	body, err := readBounded(stream)
	if err != nil {
		return nil, fmt.Errorf("GET %s on the API server: %w", path, err)
	}

	return body, nil
}

// FetchDiscovery reads <issuer>/.well-known/openid-configuration over HTTPS
// and checks that it names the same issuer.
func FetchDiscovery(ctx context.Context, client *http.Client, issuerURL string) (*Discovery, error) {
	docURL := strings.TrimSuffix(issuerURL, "/") + DiscoveryPath
	body, err := fetch(ctx, client, docURL)
	if err != nil {
		return nil, err
	}

	doc, err := ParseDiscovery(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", docURL, err)
	}
	if strings.TrimSuffix(doc.Issuer, "/") != strings.TrimSuffix(issuerURL, "/") {
		return doc, fmt.Errorf("%s: issuer is %q, expected %q", docURL, doc.Issuer, issuerURL)
	}

	return doc, nil
}

// FetchKeyIDs reads the JWKS at jwksURI and returns its key IDs, sorted.
func FetchKeyIDs(ctx context.Context, client *http.Client, jwksURI string) ([]string, error) {
	body, err := fetch(ctx, client, jwksURI)
	if err != nil {
		return nil, err
	}

	ids, err := ParseKeyIDs(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", jwksURI, err)
	}

	return ids, nil
}

// ParseDiscovery decodes a discovery document and requires an https
// jwks_uri, because STS fetches keys only over HTTPS.
func ParseDiscovery(body []byte) (*Discovery, error) {
	var doc Discovery
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("invalid discovery document: %w", err)
	}
	if doc.Issuer == "" {
		return nil, errors.New("invalid discovery document: missing \"issuer\"")
	}
	if doc.JWKSURI == "" {
		return nil, errors.New("invalid discovery document: missing \"jwks_uri\"")
	}
	u, err := url.Parse(doc.JWKSURI)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("invalid discovery document: jwks_uri %q is not an https URL", doc.JWKSURI)
	}

	return &doc, nil
}

// ParseKeyIDs decodes a JWKS and returns the key IDs of its keys, sorted.
// Keys of a type that go-jose does not know are skipped, as RFC 7517
// section 5 recommends. A key without a kid, or a malformed key of a known
// type, is an error because STS selects and uses the key by the token's kid.
func ParseKeyIDs(body []byte) ([]string, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("invalid JWKS: %w", err)
	}

	ids := make([]string, 0, len(set.Keys))
	for i, raw := range set.Keys {
		var header struct {
			Type string `json:"kty"`
		}
		if err := json.Unmarshal(raw, &header); err != nil {
			return nil, fmt.Errorf("invalid JWKS: key %d: %w", i, err)
		}
		if !slices.Contains(knownKeyTypes, header.Type) {
			continue
		}

		var key jose.JSONWebKey
		if err := json.Unmarshal(raw, &key); err != nil {
			return nil, fmt.Errorf("invalid JWKS: key %d: %w", i, err)
		}
		if key.KeyID == "" {
			return nil, fmt.Errorf("invalid JWKS: key %d has no \"kid\"", i)
		}
		ids = append(ids, key.KeyID)
	}
	if len(ids) == 0 {
		return nil, errors.New("invalid JWKS: no keys of a known type")
	}
	sort.Strings(ids)

	return ids, nil
}

// knownKeyTypes are the JWK "kty" values that go-jose parses.
var knownKeyTypes = []string{"RSA", "EC", "OKP", "oct"}

func fetch(ctx context.Context, client *http.Client, rawURL string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	req.Header.Set("Accept", "application/json")

	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP status %s", rawURL, resp.Status)
	}
	body, err := readBounded(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", rawURL, err)
	}

	return body, nil
}

func readBounded(r io.Reader) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if len(body) > MaxDocumentBytes {
		return nil, ErrTooLarge
	}

	return body, nil
}
