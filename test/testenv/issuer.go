package testenv

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"log"
	"net"
	"net/http"
	"strings"
)

// discoveryDocument is the OpenID Connect discovery document that the
// default issuer handler serves.
type discoveryDocument struct {
	Issuer                           string   `json:"issuer"`
	JWKSURI                          string   `json:"jwks_uri"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
}

// serveIssuer serves HTTPS on listener with the current issuer certificate
// and handler until Close.
func (e *Env) serveIssuer(listener net.Listener, issuerPath string) {
	e.defaultMux = e.newDefaultIssuerHandler(issuerPath)
	e.issuerSrv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if h := e.issuerMux.Load(); h != nil {
				(*h).ServeHTTP(w, r)
				return
			}
			e.defaultMux.ServeHTTP(w, r)
		}),
		TLSConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
				return e.issuerCert.Load(), nil
			},
		},
		ErrorLog: log.New(logfWriter(e.logf), "testenv: issuer server: ", 0),
	}

	srv := e.issuerSrv
	go func() {
		err := srv.ServeTLS(listener, "", "")
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.logf("testenv: issuer server stopped: %v", err)
		}
	}()
}

// newDefaultIssuerHandler serves the discovery document and the cluster
// JWKS under issuerPath, and 404 for every other path.
func (e *Env) newDefaultIssuerHandler(issuerPath string) http.Handler {
	document, err := json.Marshal(discoveryDocument{
		Issuer:                           e.Issuer,
		JWKSURI:                          e.Issuer + "/keys",
		ResponseTypesSupported:           []string{"id_token"},
		SubjectTypesSupported:            []string{"public"},
		IDTokenSigningAlgValuesSupported: []string{"RS256"},
	})
	if err != nil {
		panic(err) // A struct of strings always marshals.
	}
	jwks := e.ClusterJWKS()

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		switch r.URL.Path {
		case issuerPath + "/.well-known/openid-configuration":
			body = document
		case issuerPath + "/keys":
			body = jwks
		default:
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
}

// SetIssuerCertificate sets the certificate chain that the issuer server
// presents in the handshakes that start after the call. Connections that
// are already open keep their chain.
func (e *Env) SetIssuerCertificate(c tls.Certificate) {
	e.issuerCert.Store(&c)
}

// SetIssuerHandler replaces the issuer server's handler for all paths. Nil
// restores the default handler.
func (e *Env) SetIssuerHandler(h http.Handler) {
	if h == nil {
		e.issuerMux.Store(nil)
		return
	}
	e.issuerMux.Store(&h)
}

// ClusterJWKS returns a copy of the JWKS that kube-apiserver serves at
// /openid/v1/jwks, as read once after it became ready.
func (e *Env) ClusterJWKS() []byte {
	return bytes.Clone(e.clusterJWKS)
}

// logfWriter passes each write, one log line of http.Server, to logf.
type logfWriter func(format string, args ...any)

func (w logfWriter) Write(p []byte) (int, error) {
	w("%s", strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
