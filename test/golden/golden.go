// Package golden defines the schema of testdata/chains/golden.json, which
// hack/gen-testdata writes and the chain and end-to-end tests read.
package golden

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// FileName is the name of the golden file inside the chains directory.
const FileName = "golden.json"

// Chains is the content of golden.json.
type Chains struct {
	// Now is the time at which the tests run chain.Plan.
	Now   time.Time `json:"now"`
	Cases []Case    `json:"cases"`
}

// Case is one directory under testdata/chains.
type Case struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Files       []File `json:"files"`
	// Presented is the name, among Files, of the bundle that a server presents.
	Presented string `json:"presented"`
	// Top is the thumbprint of the last certificate of Presented.
	Top       string `json:"top"`
	TopIsLeaf bool   `json:"topIsLeaf"`
	Plan      *Plan  `json:"plan,omitempty"`
}

// File is a PEM file of a case, named relative to the case directory.
type File struct {
	Name         string        `json:"name"`
	Certificates []Certificate `json:"certificates"`
}

// Certificate is one certificate of a PEM file. Position counts from 0 in
// file order, so in a presented bundle 0 is the leaf.
type Certificate struct {
	Position   int       `json:"position"`
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	NotBefore  time.Time `json:"notBefore"`
	NotAfter   time.Time `json:"notAfter"`
	Thumbprint string    `json:"thumbprint"`
}

// Plan is the input and output of chain.Plan(Current, presented, now).
type Plan struct {
	Current []string  `json:"current"`
	Next    []string  `json:"next"`
	Dropped []Dropped `json:"dropped"`
}

// Dropped is an entry that chain.Plan drops, with its reason.
type Dropped struct {
	Thumbprint string `json:"thumbprint"`
	Reason     string `json:"reason"`
}

// Load reads golden.json from dir. It rejects unknown fields, so that the
// schema here cannot fall behind the file, and a file without cases.
func Load(dir string) (*Chains, error) {
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read golden data (written by go run ./hack/gen-testdata): %w", err)
	}

	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	var chains Chains
	if err := decoder.Decode(&chains); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	if len(chains.Cases) == 0 {
		return nil, errors.New(path + " lists no case")
	}

	return &chains, nil
}

// PresentedCertificates returns the certificates of the presented bundle
// of c, and an error when the case lists none.
func (c Case) PresentedCertificates() ([]Certificate, error) {
	for _, file := range c.Files {
		if file.Name == c.Presented && len(file.Certificates) > 0 {
			return file.Certificates, nil
		}
	}

	return nil, fmt.Errorf("case %s lists no certificate of its presented file %s", c.Name, c.Presented)
}
