package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/chain"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/diagnose"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
)

var thumbprintExample = `  # The thumbprint IAM should hold for the current cluster's issuer
  kubectl oidc-thumbprint thumbprint

  # For an issuer given by URL, with the whole presented chain as JSON
  kubectl oidc-thumbprint thumbprint --issuer https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE -o json

  # Offline, from a PEM bundle such as openssl s_client -showcerts prints
  kubectl oidc-thumbprint thumbprint --cert-file chain.pem`

// ThumbprintOptions holds the flags of the thumbprint command.
type ThumbprintOptions struct {
	issuerOptions
	genericiooptions.IOStreams

	CertFile string
	Output   string
}

// ThumbprintResult is the JSON output of the thumbprint command.
type ThumbprintResult struct {
	// Thumbprint is the SHA-1 thumbprint of the top presented certificate.
	Thumbprint string `json:"thumbprint"`
	// Source is the JWKS URI that was dialled, or the PEM file that was read.
	Source string        `json:"source"`
	Chain  *report.Chain `json:"chain"`
}

// NewThumbprintOptions returns options with every default set.
func NewThumbprintOptions(streams genericiooptions.IOStreams) *ThumbprintOptions {
	return &ThumbprintOptions{issuerOptions: newIssuerOptions(), IOStreams: streams}
}

// NewCmdThumbprint returns the thumbprint command.
func NewCmdThumbprint(streams genericiooptions.IOStreams) *cobra.Command {
	o := NewThumbprintOptions(streams)
	cmd := &cobra.Command{
		Use:   "thumbprint",
		Short: "Print the thumbprint that the IAM OIDC provider should hold",
		Long: `Print the SHA-1 thumbprint of the top certificate that the JWKS host of the
issuer presents, alone on stdout. The issuer comes from the API server, or from
--issuer. With --cert-file the thumbprint is computed offline from the last
certificate of a PEM bundle.`,
		Example: thumbprintExample,
		Args:    noArgs,
		RunE:    runE(o),
	}

	o.addFlags(cmd)
	flags := cmd.Flags()
	flags.StringVar(&o.CertFile, "cert-file", o.CertFile,
		"PEM file of a presented chain, leaf first; the last certificate is the top one")
	flags.StringVarP(&o.Output, "output", "o", o.Output,
		"Output format: json for the whole chain, or empty for the thumbprint alone")

	return cmd
}

// Complete resolves the timeout and the trusted roots.
func (o *ThumbprintOptions) Complete() error {
	return o.complete()
}

// Validate checks flag values and combinations.
func (o *ThumbprintOptions) Validate() error {
	if o.Output != "" && o.Output != "json" {
		return fmt.Errorf("invalid value %q for --output: allowed values are json, or none for the thumbprint alone", o.Output)
	}
	if o.CertFile != "" && o.Issuer != "" {
		return fmt.Errorf("--cert-file and --issuer cannot be used together")
	}
	return o.validateIssuer()
}

// Run computes the thumbprint and writes it.
func (o *ThumbprintOptions) Run(ctx context.Context) error {
	var (
		result *ThumbprintResult
		err    error
	)
	if o.CertFile != "" {
		result, err = o.fromFile()
	} else {
		result, err = o.fromIssuer(ctx)
	}
	if err != nil {
		return err
	}

	if o.Output == "json" {
		data, err := json.MarshalIndent(result, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(o.Out, "%s\n", data)
		return err
	}
	_, err = fmt.Fprintln(o.Out, result.Thumbprint)

	return err
}

func (o *ThumbprintOptions) fromFile() (*ThumbprintResult, error) {
	data, err := os.ReadFile(o.CertFile)
	if err != nil {
		return nil, fmt.Errorf("read --cert-file: %w", err)
	}
	certs, err := chain.ParsePEM(data)
	if err != nil {
		return nil, fmt.Errorf("invalid --cert-file %s: %w", o.CertFile, err)
	}
	presented := &chain.Result{Certificates: certs}

	return &ThumbprintResult{
		Thumbprint: chain.Thumbprint(presented.Top()),
		Source:     o.CertFile,
		Chain:      diagnose.ChainReport(presented, nil),
	}, nil
}

func (o *ThumbprintOptions) fromIssuer(ctx context.Context) (*ThumbprintResult, error) {
	issuerURL, err := o.issuerURL(ctx)
	if err != nil {
		return nil, err
	}

	doc, presented, err := inspectJWKSHost(ctx, issuerURL, o.timeout, o.chain)
	if err != nil {
		return nil, err
	}
	for _, sign := range presented.InterceptionSigns {
		fmt.Fprintf(o.ErrOut, "warning: %s; this thumbprint is probably not what AWS sees\n", sign)
	}

	return &ThumbprintResult{
		Thumbprint: chain.Thumbprint(presented.Top()),
		Source:     doc.JWKSURI,
		Chain:      diagnose.ChainReport(presented, nil),
	}, nil
}
