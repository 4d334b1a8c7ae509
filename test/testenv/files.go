package testenv

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/certgen"
)

// IssuerRootName is the common name of the issuer server's root CA.
const IssuerRootName = "oidc-thumbprint test root"

// files lists what writeFiles created in the working directory.
type files struct {
	apiServerCA *certgen.Cert
	// apiServerCertFile and apiServerKeyFile are the API server's serving
	// certificate and key.
	apiServerCertFile string
	apiServerKeyFile  string

	issuerRoot         *certgen.Cert
	issuerIntermediate *certgen.Cert
	issuerLeaf         *certgen.Cert
	issuerCertificate  tls.Certificate

	// serviceAccountKeyFile is the RSA private key that signs service
	// account tokens, and serviceAccountPublicKeyFile its public key.
	serviceAccountKeyFile       string
	serviceAccountPublicKeyFile string

	tokenFile     string
	adminToken    string
	viewerToken   string
	operatorToken string

	awsConfig      string
	awsCredentials string
}

// writeFiles issues the certificates, keys and tokens of the environment and
// writes the files that the child processes read.
func writeFiles(dir string) (*files, error) {
	f := &files{}
	var err error

	f.apiServerCA, err = certgen.New(certgen.Spec{CommonName: "oidc-thumbprint test API server CA", IsCA: true}, nil)
	if err != nil {
		return nil, err
	}
	apiServerLeaf, err := certgen.New(certgen.Spec{CommonName: "kube-apiserver", Hosts: []string{"127.0.0.1", "localhost"}}, f.apiServerCA)
	if err != nil {
		return nil, err
	}
	f.apiServerCertFile = filepath.Join(dir, "apiserver.crt")
	f.apiServerKeyFile = filepath.Join(dir, "apiserver.key")
	if err := writeCertAndKey(apiServerLeaf, f.apiServerCertFile, f.apiServerKeyFile); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "apiserver-ca.crt"), f.apiServerCA.PEM(), 0o600); err != nil {
		return nil, fmt.Errorf("write API server CA: %w", err)
	}

	if err := f.issueIssuerChain(dir); err != nil {
		return nil, err
	}
	if err := f.writeServiceAccountKey(dir); err != nil {
		return nil, err
	}
	if err := f.writeTokenFile(dir); err != nil {
		return nil, err
	}

	// Empty AWS config files keep a child process from reading the
	// developer's profiles.
	f.awsConfig = filepath.Join(dir, "aws-config")
	f.awsCredentials = filepath.Join(dir, "aws-credentials")
	for _, path := range []string{f.awsConfig, f.awsCredentials} {
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			return nil, fmt.Errorf("write empty AWS file: %w", err)
		}
	}

	return f, nil
}

// issueIssuerChain issues root -> intermediate -> leaf for the issuer
// server, which presents the leaf and the intermediate.
func (f *files) issueIssuerChain(dir string) error {
	var err error
	f.issuerRoot, err = certgen.New(certgen.Spec{CommonName: IssuerRootName, IsCA: true}, nil)
	if err != nil {
		return err
	}
	f.issuerIntermediate, err = certgen.New(certgen.Spec{CommonName: "oidc-thumbprint test intermediate", IsCA: true}, f.issuerRoot)
	if err != nil {
		return err
	}
	f.issuerLeaf, err = certgen.New(certgen.Spec{CommonName: "127.0.0.1", Hosts: []string{"127.0.0.1", "localhost"}}, f.issuerIntermediate)
	if err != nil {
		return err
	}
	f.issuerCertificate = certgen.TLSCertificate(f.issuerLeaf, f.issuerIntermediate)

	// The PEM files are for people who inspect the sandbox with openssl or curl.
	if err := os.WriteFile(filepath.Join(dir, "issuer-ca.crt"), f.issuerRoot.PEM(), 0o600); err != nil {
		return fmt.Errorf("write issuer root CA: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "issuer-chain.crt"), certgen.Bundle(f.issuerLeaf, f.issuerIntermediate), 0o600); err != nil {
		return fmt.Errorf("write issuer chain: %w", err)
	}

	return nil
}

func (f *files) writeServiceAccountKey(dir string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("generate service account signing key: %w", err)
	}
	publicDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return fmt.Errorf("marshal service account public key: %w", err)
	}

	f.serviceAccountKeyFile = filepath.Join(dir, "sa.key")
	f.serviceAccountPublicKeyFile = filepath.Join(dir, "sa.pub")
	privatePEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(f.serviceAccountKeyFile, privatePEM, 0o600); err != nil {
		return fmt.Errorf("write service account signing key: %w", err)
	}
	publicPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: publicDER})
	if err := os.WriteFile(f.serviceAccountPublicKeyFile, publicPEM, 0o600); err != nil {
		return fmt.Errorf("write service account public key: %w", err)
	}

	return nil
}

// writeTokenFile writes the static tokens for --token-auth-file. Each line is
// token,user,uid and an optional quoted list of groups. The viewer and the
// operator have no group, so they get only system:authenticated.
func (f *files) writeTokenFile(dir string) error {
	var err error
	if f.adminToken, err = randomToken(); err != nil {
		return err
	}
	if f.viewerToken, err = randomToken(); err != nil {
		return err
	}
	if f.operatorToken, err = randomToken(); err != nil {
		return err
	}

	f.tokenFile = filepath.Join(dir, "tokens.csv")
	content := fmt.Sprintf("%s,admin,admin,\"system:masters\"\n%s,viewer,viewer\n%s,operator,operator\n",
		f.adminToken, f.viewerToken, f.operatorToken)
	if err := os.WriteFile(f.tokenFile, []byte(content), 0o600); err != nil {
		return fmt.Errorf("write token file: %w", err)
	}

	return nil
}

func writeCertAndKey(c *certgen.Cert, certPath, keyPath string) error {
	keyPEM, err := c.KeyPEM()
	if err != nil {
		return err
	}
	if err := os.WriteFile(certPath, c.PEM(), 0o600); err != nil {
		return fmt.Errorf("write certificate %s: %w", certPath, err)
	}
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return fmt.Errorf("write key %s: %w", keyPath, err)
	}

	return nil
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}

	return hex.EncodeToString(b), nil
}
