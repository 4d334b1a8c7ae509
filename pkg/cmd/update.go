package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/chain"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/diagnose"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/iamcheck"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/issuer"
)

var updateExample = `  # Show the new thumbprint list for the current cluster's provider (dry run)
  kubectl oidc-thumbprint update

  # Apply it
  kubectl oidc-thumbprint update --yes --profile prod`

// UpdateOptions holds the flags of the update command.
type UpdateOptions struct {
	issuerOptions
	genericiooptions.IOStreams

	Yes     bool
	Force   bool
	Profile string
	Region  string

	now func() time.Time
}

// NewUpdateOptions returns options with every default set.
func NewUpdateOptions(streams genericiooptions.IOStreams) *UpdateOptions {
	return &UpdateOptions{
		issuerOptions: newIssuerOptions(),
		IOStreams:     streams,
		now:           time.Now,
	}
}

// NewCmdUpdate returns the update command.
func NewCmdUpdate(streams genericiooptions.IOStreams) *cobra.Command {
	o := NewUpdateOptions(streams)
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Set the IAM OIDC provider's thumbprints to match the JWKS host (dry run unless --yes)",
		Long: `Compute the thumbprint list that the IAM OIDC provider of the issuer should hold
and, with --yes, apply it with UpdateOpenIDConnectProviderThumbprint.

The new list keeps the entries that still match a presented certificate, adds
the thumbprint of the top certificate that the JWKS host presents, and keeps
other entries while the list has room for them (IAM holds at most 5). It never
drops the entry that matches the top certificate.

update refuses when the connection looks intercepted, since a thumbprint
computed behind a TLS-inspecting proxy is not what AWS sees, and when the chain
verifies against a CA that AWS trusts, since IAM then does not consult the
thumbprint (--force updates anyway).`,
		Example: updateExample,
		Args:    noArgs,
		RunE:    runE(o),
	}

	o.addFlags(cmd)
	flags := cmd.Flags()
	flags.BoolVar(&o.Yes, "yes", o.Yes,
		"Apply the new list; without it update only shows what it would change")
	flags.BoolVar(&o.Force, "force", o.Force,
		"Update even when IAM does not consult the thumbprint for this issuer")
	flags.StringVar(&o.Profile, "profile", o.Profile,
		"AWS shared configuration profile (default: AWS_PROFILE or the default chain)")
	flags.StringVar(&o.Region, "region", o.Region,
		"AWS region (default: the AWS configuration, else the region in the issuer host, else "+defaultIAMRegion+")")

	return cmd
}

// Complete resolves the timeout and the trusted roots.
func (o *UpdateOptions) Complete() error {
	return o.complete()
}

// Validate checks flag values.
func (o *UpdateOptions) Validate() error {
	return o.validateIssuer()
}

// Run computes the new list, prints it, and applies it with --yes.
func (o *UpdateOptions) Run(ctx context.Context) error {
	issuerURL, err := o.issuerURL(ctx)
	if err != nil {
		return err
	}

	_, presented, err := inspectJWKSHost(ctx, issuerURL, o.timeout, o.chain)
	if err != nil {
		return fmt.Errorf("no update: %w", err)
	}
	if err := checkUpdatable(presented, o.Force); err != nil {
		return err
	}

	client, err := newIAMClient(ctx, o.Profile, o.Region, issuerURL)
	if err != nil {
		return err
	}
	provider, err := o.findProvider(ctx, client, issuerURL)
	if err != nil {
		return err
	}

	next, dropped := chain.Plan(provider.Thumbprints, presented.Certificates, o.now())
	if err := o.printPlan(provider, presented, next, dropped); err != nil {
		return err
	}
	if sameThumbprints(provider.Thumbprints, next) {
		_, err := fmt.Fprintln(o.Out, "\nThe provider already holds this list: nothing to change.")
		return err
	}
	if !o.Yes {
		_, err := fmt.Fprintln(o.Out, "\nDry run: nothing was changed. Run again with --yes to apply.")
		return err
	}

	return o.apply(ctx, client, provider.ARN, next)
}

// checkUpdatable rejects an update that would write a thumbprint AWS does
// not see, or one that IAM would not consult unless force is set.
func checkUpdatable(presented *chain.Result, force bool) error {
	if presented.Intercepted {
		return fmt.Errorf("no update: the connection to %s looks intercepted, so its thumbprint is probably not what AWS sees (%s); "+
			"run update from a network without a TLS-inspecting proxy", presented.Address, strings.Join(presented.InterceptionSigns, "; "))
	}
	if len(presented.InterceptionSigns) > 0 && !force {
		return fmt.Errorf("no update: the chain of %s verifies with this machine's CAs but not with the CAs that AWS trusts, "+
			"which a TLS-inspecting proxy also causes; pass --force if the CA is your own", presented.Address)
	}
	if chain.TopIsLeaf(presented.Certificates) {
		return fmt.Errorf("no update: %s presents only its leaf certificate, whose thumbprint changes when the leaf is renewed; "+
			"configure it to send its intermediate CA certificates, then run update again", presented.Address)
	}
	if presented.PublicRoot && !force {
		return fmt.Errorf("no update: the chain of %s verifies against a CA that AWS trusts, so IAM does not consult the thumbprint "+
			"and changing it fixes nothing; pass --force to update it anyway", presented.Address)
	}

	return nil
}

func (o *UpdateOptions) findProvider(ctx context.Context, client *iam.Client, issuerURL string) (*iamcheck.Provider, error) {
	providerURL, err := issuer.ProviderURL(issuerURL)
	if err != nil {
		return nil, err
	}
	findCtx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	provider, _, err := iamcheck.FindProvider(findCtx, client, providerURL)
	if err != nil {
		return nil, err
	}
	if provider == nil {
		return nil, fmt.Errorf("no IAM OIDC provider for %s in this account; create it first (kubectl oidc-thumbprint diagnose prints the command)", providerURL)
	}

	return provider, nil
}

func (o *UpdateOptions) printPlan(provider *iamcheck.Provider, presented *chain.Result, next []string, dropped []chain.Dropped) error {
	top := presented.Top()
	var b strings.Builder
	fmt.Fprintf(&b, "Provider:   %s\n", provider.ARN)
	fmt.Fprintf(&b, "JWKS host:  %s, top certificate %s (%s)\n", presented.Address, chain.Thumbprint(top), top.Subject)
	fmt.Fprintf(&b, "Current:    %s\n", strings.Join(provider.Thumbprints, " "))
	fmt.Fprintf(&b, "New:        %s\n", strings.Join(next, " "))
	for _, d := range dropped {
		fmt.Fprintf(&b, "Dropped:    %s (%s)\n", d.Thumbprint, d.Reason)
	}
	fmt.Fprintf(&b, "AWS CLI:    %s\n", diagnose.UpdateCommand(provider.ARN, next, o.Profile))
	_, err := io.WriteString(o.Out, b.String())

	return err
}

func (o *UpdateOptions) apply(ctx context.Context, client *iam.Client, arn string, next []string) error {
	applyCtx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	_, err := client.UpdateOpenIDConnectProviderThumbprint(applyCtx, &iam.UpdateOpenIDConnectProviderThumbprintInput{
		OpenIDConnectProviderArn: aws.String(arn),
		ThumbprintList:           next,
	})
	if err != nil {
		return fmt.Errorf("update the thumbprints of %s: %w", arn, err)
	}

	out, err := client.GetOpenIDConnectProvider(applyCtx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
	if err != nil {
		return fmt.Errorf("read back %s after the update: %w", arn, err)
	}
	if !sameThumbprints(out.ThumbprintList, next) {
		return errors.New("the provider's list after the update differs from the one sent: " + strings.Join(out.ThumbprintList, " "))
	}
	_, err = fmt.Fprintf(o.Out, "\nUpdated: the provider now holds %s\n", strings.Join(out.ThumbprintList, " "))

	return err
}

// sameThumbprints reports whether two lists hold the same thumbprints in
// any order and case.
func sameThumbprints(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, t := range a {
		seen[strings.ToLower(t)]++
	}
	for _, t := range b {
		seen[strings.ToLower(t)]--
	}
	for _, count := range seen {
		if count != 0 {
			return false
		}
	}

	return true
}
