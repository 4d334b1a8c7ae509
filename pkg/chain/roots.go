package chain

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// MaxPEMSize is the largest PEM input ParsePEM and LoadRoots accept, in bytes.
// Mozilla's root bundle (117 roots in the x509roots/fallback version in
// go.mod) is under 200 KiB in PEM form, so 4 MiB leaves room for any real CA
// bundle while bounding memory when a wrong file is given.
const MaxPEMSize = 4 << 20

// PublicRoots returns Mozilla's root CAs as shipped by
// golang.org/x/crypto/x509roots/fallback/bundle, the stand-in for the root CAs
// that AWS trusts. The pool is built on first use and shared, so callers must
// not add certificates to it. Unlike importing the fallback package, this does
// not change the process-wide fallback roots.
func PublicRoots() *x509.CertPool {
	return publicRoots()
}

var publicRoots = sync.OnceValue(func() *x509.CertPool {
	pool := x509.NewCertPool()
	for root := range bundle.Roots() {
		cert, err := x509.ParseCertificate(root.Certificate)
		if err != nil {
			// The bundle is embedded in the module and its own tests parse every root,
			// so a failure means a corrupted module cache.
			panic(fmt.Sprintf("parse root from golang.org/x/crypto/x509roots/fallback/bundle: %v", err))
		}
		if root.Constraint == nil {
			pool.AddCert(cert)
		} else {
			// Constraints such as a distrust-after date cannot be expressed in
			// X.509, so the pool applies them when it builds a chain.
			pool.AddCertWithConstraint(cert, root.Constraint)
		}
	}
	return pool
})

// LoadRoots reads a PEM file of CA certificates into a new pool. Errors name
// the file, including when it contains no certificate.
func LoadRoots(path string) (*x509.CertPool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read CA certificates: %w", err)
	}
	defer f.Close()

	// Reading one byte past the limit lets ParsePEM reject an oversized file.
	data, err := io.ReadAll(io.LimitReader(f, MaxPEMSize+1))
	if err != nil {
		return nil, fmt.Errorf("read CA certificates from %s: %w", path, err)
	}
	certs, err := ParsePEM(data)
	if err != nil {
		return nil, fmt.Errorf("read CA certificates from %s: %w", path, err)
	}

	pool := x509.NewCertPool()
	for _, cert := range certs {
		pool.AddCert(cert)
	}
	return pool, nil
}

// ParsePEM parses every CERTIFICATE block of a PEM bundle and returns the
// certificates in input order. Text between blocks and blocks of other types
// (such as a private key) are skipped. It returns an error when the input is
// larger than MaxPEMSize, when a CERTIFICATE block does not parse (naming the
// block's index among all PEM blocks, from 0), or when no certificate is found.
func ParsePEM(data []byte) ([]*x509.Certificate, error) {
	if len(data) > MaxPEMSize {
		return nil, fmt.Errorf("PEM input is larger than the %d MiB limit", MaxPEMSize>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("PEM input is empty")
	}

	var certs []*x509.Certificate
	var otherTypes []string
	rest := data
	for index := 0; ; index++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			otherTypes = append(otherTypes, block.Type)
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (CERTIFICATE): %w", index, err)
		}
		certs = append(certs, cert)
	}

	if len(certs) == 0 {
		if len(otherTypes) == 0 {
			return nil, errors.New("no PEM block found; expected -----BEGIN CERTIFICATE----- blocks")
		}
		return nil, fmt.Errorf("no CERTIFICATE block found, only %s", strings.Join(otherTypes, ", "))
	}
	return certs, nil
}
