// Package certgen issues X.509 certificates for tests: roots, intermediates,
// cross-signed roots, leaves for loopback servers, and expired certificates.
// Keys are ECDSA P-256 so that a chain is issued in well under a millisecond.
package certgen

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Cert is an issued certificate with its private key.
type Cert struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// Spec describes a certificate to issue. A zero NotBefore means one hour
// ago and a zero NotAfter means one year from now.
type Spec struct {
	CommonName string
	// Hosts become DNS names or IP addresses of a leaf certificate.
	Hosts     []string
	IsCA      bool
	NotBefore time.Time
	NotAfter  time.Time
}

// New issues a certificate for spec with a new key, signed by parent, or
// self-signed when parent is nil.
func New(spec Spec, parent *Cert) (*Cert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key for %q: %w", spec.CommonName, err)
	}

	return issue(spec, key, parent)
}

// CrossSign issues a certificate with the subject and key of subject, signed
// by parent: the cross-signed form of a root that other clients trust.
func CrossSign(subject, parent *Cert) (*Cert, error) {
	spec := Spec{
		CommonName: subject.Cert.Subject.CommonName,
		IsCA:       true,
		NotBefore:  subject.Cert.NotBefore,
		NotAfter:   subject.Cert.NotAfter,
	}

	return issue(spec, subject.Key, parent)
}

// MustNew is New for test set-up, panicking on error.
func MustNew(spec Spec, parent *Cert) *Cert {
	c, err := New(spec, parent)
	if err != nil {
		panic(err)
	}

	return c
}

// PEM returns the certificate in PEM form.
func (c *Cert) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})
}

// KeyPEM returns the private key in PKCS #8 PEM form.
func (c *Cert) KeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		return nil, fmt.Errorf("marshal key of %q: %w", c.Cert.Subject.CommonName, err)
	}

	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// Bundle returns the PEM form of certs, concatenated in order.
func Bundle(certs ...*Cert) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, c.PEM()...)
	}

	return out
}

// TLSCertificate returns a server certificate that presents leaf followed by
// chain, in that order, exactly as given.
func TLSCertificate(leaf *Cert, chain ...*Cert) tls.Certificate {
	presented := [][]byte{leaf.Cert.Raw}
	for _, c := range chain {
		presented = append(presented, c.Cert.Raw)
	}

	return tls.Certificate{Certificate: presented, PrivateKey: leaf.Key, Leaf: leaf.Cert}
}

func issue(spec Spec, key crypto.Signer, parent *Cert) (*Cert, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return nil, fmt.Errorf("generate serial: %w", err)
	}

	notBefore, notAfter := spec.NotBefore, spec.NotAfter
	if notBefore.IsZero() {
		notBefore = time.Now().Add(-time.Hour)
	}
	if notAfter.IsZero() {
		notAfter = time.Now().AddDate(1, 0, 0)
	}

	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: spec.CommonName, Organization: []string{"oidc-thumbprint tests"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		IsCA:                  spec.IsCA,
	}
	if spec.IsCA {
		template.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		template.KeyUsage = x509.KeyUsageDigitalSignature
		template.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	for _, h := range spec.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			template.IPAddresses = append(template.IPAddresses, ip)
		} else {
			template.DNSNames = append(template.DNSNames, h)
		}
	}

	signerCert, signerKey := template, key
	if parent != nil {
		signerCert, signerKey = parent.Cert, parent.Key
	}

	der, err := x509.CreateCertificate(rand.Reader, template, signerCert, key.Public(), signerKey)
	if err != nil {
		return nil, fmt.Errorf("create certificate %q: %w", spec.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate %q: %w", spec.CommonName, err)
	}

	return &Cert{Cert: cert, Key: key}, nil
}
