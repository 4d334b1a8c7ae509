// Command gen-testdata issues the certificate chains under testdata/chains
// and writes testdata/chains/golden.json, which lists each certificate's
// position, subject and thumbprint, each case's top thumbprint, and the
// expected output of chain.Plan for the plan cases.
//
// Keys and serial numbers are random, so every run writes different
// certificates. Run it only to add or change a case, review the diff and
// check the output in. The tests read the checked-in files and never run it.
// Private keys are not written.
//
// Usage, from the repository root:
//
//	go run ./hack/gen-testdata [-out testdata/chains]
package main

import (
	"crypto/sha1" // IAM OIDC provider thumbprints are SHA-1 fingerprints.
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/chain"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/certgen"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/golden"
)

// Validity dates are fixed so that the data keeps its meaning until 2046.
// At planNow every certificate is valid except those issued with the
// expired dates.
var (
	validFrom    = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	validUntil   = time.Date(2046, 1, 1, 0, 0, 0, 0, time.UTC)
	expiredFrom  = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	expiredUntil = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

	// planNow is the time passed to chain.Plan, stored in golden.json as "now".
	planNow = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
)

// wellKnownEKSThumbprint is the SHA-1 of the Starfield Services Root CA G2
// certificate cross-signed by Starfield Class 2, which many EKS
// configurations contain.
const wellKnownEKSThumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

// presentedFile is the name of the PEM bundle, in every case directory, of
// the certificates that a server presents, leaf first.
const presentedFile = "presented.pem"

// leafHost is the DNS name of every leaf certificate. The .test top-level
// domain is reserved for testing (RFC 2606).
const leafHost = "issuer.test"

// caseSpec is a case before it is written, with its certificates and the
// expectations declared for them.
type caseSpec struct {
	name        string
	description string
	// certificates are written one per file, in this order.
	certificates []namedCertificate
	// presented is the chain that the server sends, leaf first.
	presented []*certgen.Cert
	topIsLeaf bool
	plan      *planSpec
}

type namedCertificate struct {
	file string
	cert *certgen.Cert
}

// planSpec is an IAM thumbprint list and the list that chain.Plan is
// expected to return for it. The expectation is declared here by hand, so
// that a bug in chain.Plan stops the generator instead of becoming golden.
type planSpec struct {
	current []string
	next    []string
	// dropped are the thumbprints that Plan removes, in order.
	dropped []string
}

// outputFile is a file to write, with a path relative to the output directory.
type outputFile struct {
	path string
	data []byte
}

func main() {
	outDir := flag.String("out", filepath.Join("testdata", "chains"),
		"directory that receives one directory per case and golden.json")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "gen-testdata: unexpected arguments %q; the only option is -out\n", flag.Args())
		os.Exit(2)
	}

	if err := run(*outDir); err != nil {
		fmt.Fprintln(os.Stderr, "gen-testdata:", err)
		os.Exit(1)
	}
}

// run issues every case, checks the declared expectations against
// pkg/chain, and only then writes the files, so that a failed check leaves
// the previous data in place.
func run(outDir string) error {
	specs, err := issueCases()
	if err != nil {
		return err
	}

	result := golden.Chains{Now: planNow}
	var files []outputFile
	for _, spec := range specs {
		c, caseFiles, err := renderCase(spec)
		if err != nil {
			return fmt.Errorf("case %s: %w", spec.name, err)
		}
		result.Cases = append(result.Cases, c)
		files = append(files, caseFiles...)
	}

	goldenJSON, err := json.MarshalIndent(result, "", "  ")
	if err != nil {
		return fmt.Errorf("encode golden.json: %w", err)
	}
	files = append(files, outputFile{path: golden.FileName, data: append(goldenJSON, '\n')})

	// Case directories are replaced whole, so that a file removed from a
	// case does not linger.
	for _, spec := range specs {
		if err := os.RemoveAll(filepath.Join(outDir, spec.name)); err != nil {
			return err
		}
	}
	for _, f := range files {
		path := filepath.Join(outDir, f.path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("wrote %d files for %d cases to %s\n", len(files), len(specs), outDir)

	return nil
}

// issueCases issues the certificates of every case.
func issueCases() ([]caseSpec, error) {
	crossSigned, err := crossSignedRootCase()
	if err != nil {
		return nil, err
	}

	return []caseSpec{
		leafIntermediateRootCase(),
		crossSigned,
		selfSignedLeafCase(),
		leafOnlyCase(),
		expiredIntermediateCase(),
		planExpiredEntryCase(),
	}, nil
}

func caSpec(commonName string) certgen.Spec {
	return certgen.Spec{CommonName: commonName, IsCA: true, NotBefore: validFrom, NotAfter: validUntil}
}

func leafSpec() certgen.Spec {
	return certgen.Spec{CommonName: leafHost, Hosts: []string{leafHost}, NotBefore: validFrom, NotAfter: validUntil}
}

func expiredCASpec(commonName string) certgen.Spec {
	return certgen.Spec{CommonName: commonName, IsCA: true, NotBefore: expiredFrom, NotAfter: expiredUntil}
}

func leafIntermediateRootCase() caseSpec {
	root := certgen.MustNew(caSpec("Golden Root CA"), nil)
	intermediate := certgen.MustNew(caSpec("Golden Intermediate CA"), root)
	leaf := certgen.MustNew(leafSpec(), intermediate)

	return caseSpec{
		name:        "leaf-intermediate-root",
		description: "The usual chain, in which the server presents its leaf and intermediate but not the root, so the intermediate is the top certificate.",
		certificates: []namedCertificate{
			{file: "root.pem", cert: root},
			{file: "intermediate.pem", cert: intermediate},
			{file: "leaf.pem", cert: leaf},
		},
		presented: []*certgen.Cert{leaf, intermediate},
		topIsLeaf: false,
	}
}

func crossSignedRootCase() (caseSpec, error) {
	oldRoot := certgen.MustNew(caSpec("Golden Root CA R1"), nil)
	newRoot := certgen.MustNew(caSpec("Golden Root CA R2"), nil)
	crossSigned, err := certgen.CrossSign(newRoot, oldRoot)
	if err != nil {
		return caseSpec{}, fmt.Errorf("cross-sign R2 with R1: %w", err)
	}
	intermediate := certgen.MustNew(caSpec("Golden Intermediate CA"), newRoot)
	leaf := certgen.MustNew(leafSpec(), intermediate)

	return caseSpec{
		name: "cross-signed-root",
		description: "A new root R2 exists in two forms, self-signed and cross-signed by the old root R1. " +
			"The server presents the cross-signed R2 last, so its thumbprint is the top, not the self-signed R2's.",
		certificates: []namedCertificate{
			{file: "r1-root.pem", cert: oldRoot},
			{file: "r2-self-signed.pem", cert: newRoot},
			{file: "r2-cross-signed-by-r1.pem", cert: crossSigned},
			{file: "intermediate.pem", cert: intermediate},
			{file: "leaf.pem", cert: leaf},
		},
		presented: []*certgen.Cert{leaf, intermediate, crossSigned},
		topIsLeaf: false,
	}, nil
}

func selfSignedLeafCase() caseSpec {
	leaf := certgen.MustNew(leafSpec(), nil)

	return caseSpec{
		name:        "self-signed-leaf",
		description: "A self-signed end-entity certificate, presented alone. Because it is its own issuer, no CA certificate is missing, so TopIsLeaf is false.",
		certificates: []namedCertificate{
			{file: "leaf.pem", cert: leaf},
		},
		presented: []*certgen.Cert{leaf},
		topIsLeaf: false,
	}
}

func leafOnlyCase() caseSpec {
	root := certgen.MustNew(caSpec("Golden Root CA"), nil)
	intermediate := certgen.MustNew(caSpec("Golden Intermediate CA"), root)
	leaf := certgen.MustNew(leafSpec(), intermediate)

	return caseSpec{
		name:        "leaf-only",
		description: "An incomplete chain, in which the server presents only its leaf, so the top thumbprint changes whenever the leaf is renewed.",
		certificates: []namedCertificate{
			{file: "root.pem", cert: root},
			{file: "intermediate.pem", cert: intermediate},
			{file: "leaf.pem", cert: leaf},
		},
		presented: []*certgen.Cert{leaf},
		topIsLeaf: true,
	}
}

func expiredIntermediateCase() caseSpec {
	root := certgen.MustNew(caSpec("Golden Root CA"), nil)
	intermediate := certgen.MustNew(expiredCASpec("Golden Expired Intermediate CA"), root)
	leaf := certgen.MustNew(leafSpec(), intermediate)

	return caseSpec{
		name:        "expired-intermediate",
		description: "The server presents its leaf and an intermediate that expired on 2025-01-01, which is the top certificate.",
		certificates: []namedCertificate{
			{file: "root.pem", cert: root},
			{file: "intermediate.pem", cert: intermediate},
			{file: "leaf.pem", cert: leaf},
		},
		presented: []*certgen.Cert{leaf, intermediate},
		topIsLeaf: false,
	}
}

func planExpiredEntryCase() caseSpec {
	root := certgen.MustNew(caSpec("Golden Root CA"), nil)
	intermediate := certgen.MustNew(expiredCASpec("Golden Expired Intermediate CA"), root)
	leaf := certgen.MustNew(leafSpec(), intermediate)
	previousIntermediate := certgen.MustNew(caSpec("Golden Previous Intermediate CA"), root)
	previousLeaf := certgen.MustNew(leafSpec(), previousIntermediate)

	rootThumbprint := thumbprint(root.Cert)
	leafThumbprint := thumbprint(leaf.Cert)
	expiredThumbprint := thumbprint(intermediate.Cert)
	previousIntermediateThumbprint := thumbprint(previousIntermediate.Cert)
	previousLeafThumbprint := thumbprint(previousLeaf.Cert)

	return caseSpec{
		name: "plan-expired-entry",
		description: "The IAM list contains five thumbprints, of the expired intermediate, of the leaf, and three that match no presented certificate (two of a previous chain and the well-known EKS value). " +
			"Adding the top certificate (the root, which this server presents) exceeds the limit of five, so Plan drops the expired entry first.",
		certificates: []namedCertificate{
			{file: "root.pem", cert: root},
			{file: "intermediate.pem", cert: intermediate},
			{file: "leaf.pem", cert: leaf},
			{file: "previous-intermediate.pem", cert: previousIntermediate},
			{file: "previous-leaf.pem", cert: previousLeaf},
		},
		presented: []*certgen.Cert{leaf, intermediate, root},
		topIsLeaf: false,
		plan: &planSpec{
			current: []string{
				// The form that openssl prints, which Plan normalizes.
				opensslForm(previousIntermediateThumbprint),
				expiredThumbprint,
				leafThumbprint,
				wellKnownEKSThumbprint,
				previousLeafThumbprint,
			},
			next: []string{
				previousIntermediateThumbprint,
				leafThumbprint,
				wellKnownEKSThumbprint,
				previousLeafThumbprint,
				rootThumbprint,
			},
			dropped: []string{expiredThumbprint},
		},
	}
}

// renderCase returns the golden entry and the PEM files of spec, after
// checking the expectations declared in spec against pkg/chain.
func renderCase(spec caseSpec) (golden.Case, []outputFile, error) {
	if len(spec.presented) == 0 {
		return golden.Case{}, nil, errors.New("no presented certificate")
	}
	presented := make([]*x509.Certificate, len(spec.presented))
	for i, c := range spec.presented {
		presented[i] = c.Cert
	}

	result := golden.Case{
		Name:        spec.name,
		Description: spec.description,
		Presented:   presentedFile,
		Top:         thumbprint(presented[len(presented)-1]),
		TopIsLeaf:   spec.topIsLeaf,
	}
	if got := chain.TopIsLeaf(presented); got != spec.topIsLeaf {
		return golden.Case{}, nil, fmt.Errorf("chain.TopIsLeaf returned %t, expected %t", got, spec.topIsLeaf)
	}

	var files []outputFile
	for _, named := range spec.certificates {
		files = append(files, outputFile{path: filepath.Join(spec.name, named.file), data: named.cert.PEM()})
		result.Files = append(result.Files, golden.File{
			Name:         named.file,
			Certificates: describeCertificates(named.cert.Cert),
		})
	}
	files = append(files, outputFile{path: filepath.Join(spec.name, presentedFile), data: certgen.Bundle(spec.presented...)})
	result.Files = append(result.Files, golden.File{
		Name:         presentedFile,
		Certificates: describeCertificates(presented...),
	})

	if spec.plan != nil {
		plan, err := runPlan(spec.plan, presented)
		if err != nil {
			return golden.Case{}, nil, err
		}
		result.Plan = plan
	}

	return result, files, nil
}

// runPlan runs chain.Plan on spec's list and returns its output, or an error
// when the output differs from the declared expectation. The reasons of
// dropped entries are taken from chain.Plan as they are.
func runPlan(spec *planSpec, presented []*x509.Certificate) (*golden.Plan, error) {
	next, dropped := chain.Plan(spec.current, presented, planNow)
	if !slices.Equal(next, spec.next) {
		return nil, fmt.Errorf("chain.Plan returned the list %v, expected %v", next, spec.next)
	}

	droppedThumbprints := make([]string, 0, len(dropped))
	result := &golden.Plan{Current: spec.current, Next: next, Dropped: []golden.Dropped{}}
	for _, d := range dropped {
		droppedThumbprints = append(droppedThumbprints, d.Thumbprint)
		result.Dropped = append(result.Dropped, golden.Dropped{Thumbprint: d.Thumbprint, Reason: d.Reason})
	}
	if !slices.Equal(droppedThumbprints, spec.dropped) {
		return nil, fmt.Errorf("chain.Plan dropped %v, expected %v", droppedThumbprints, spec.dropped)
	}

	return result, nil
}

func describeCertificates(certs ...*x509.Certificate) []golden.Certificate {
	described := make([]golden.Certificate, 0, len(certs))
	for i, cert := range certs {
		described = append(described, golden.Certificate{
			Position:   i,
			Subject:    cert.Subject.String(),
			Issuer:     cert.Issuer.String(),
			NotBefore:  cert.NotBefore.UTC(),
			NotAfter:   cert.NotAfter.UTC(),
			Thumbprint: thumbprint(cert),
		})
	}

	return described
}

// thumbprint returns the lowercase hex SHA-1 of the certificate's DER bytes.
// It hashes the bytes itself rather than calling chain.Thumbprint, the
// function under test.
func thumbprint(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// opensslForm returns a thumbprint in the form that `openssl x509
// -fingerprint` prints, uppercase hex digit pairs separated by colons.
func opensslForm(thumbprint string) string {
	upper := strings.ToUpper(thumbprint)
	pairs := make([]string, 0, len(upper)/2)
	for i := 0; i < len(upper); i += 2 {
		pairs = append(pairs, upper[i:i+2])
	}

	return strings.Join(pairs, ":")
}
