package diagnose

import (
	"fmt"
	"strings"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/chain"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
)

// thumbprintFindings judges the provider's thumbprints against the chain
// that the JWKS host presents. IAM consults them only when the chain does
// not verify against a CA that AWS trusts; then a mismatch is a failure.
func (ev *evidence) thumbprintFindings() []report.Finding {
	if ev.chain == nil || ev.provider == nil || len(ev.chain.Certificates) == 0 {
		return nil
	}

	top := ev.chain.Top()
	topPosition := len(ev.chain.Certificates) - 1
	topThumbprint := chain.Thumbprint(top)
	matched := ev.chain.Match(ev.provider.Thumbprints)
	evidence := []string{
		"IAM thumbprints: " + listOrNone(ev.provider.Thumbprints),
		fmt.Sprintf("top presented certificate (position %d, %s): %s", topPosition, top.Subject, topThumbprint),
	}
	evidence = append(evidence, ev.issuerHostEvidence()...)
	evidence = append(evidence, ev.verifiedRootEvidence()...)
	f := report.Finding{Check: report.CheckThumbprint, Evidence: evidence}

	if len(ev.chain.InterceptionSigns) > 0 && !ev.chain.Intercepted {
		f.Evidence = append(f.Evidence, "judged on the chain seen here, which verifies with this machine's CAs only; if a proxy inspects TLS on this network, AWS sees another chain")
	}
	if ev.chain.Intercepted {
		f.Severity = report.Warning
		f.Summary = "the thumbprint was not judged because the chain seen here is probably not the one AWS sees; no update is proposed"
		return []report.Finding{f}
	}

	if chain.TopIsLeaf(ev.chain.Certificates) {
		return []report.Finding{ev.leafOnly(f, matched)}
	}

	if position, ok := matched[topThumbprint]; ok {
		f.Severity = report.OK
		f.Summary = fmt.Sprintf("IAM holds the thumbprint of the top presented certificate (position %d)", position)
		return []report.Finding{f}
	}

	if len(matched) > 0 {
		return []report.Finding{ev.partialMatch(f, matched)}
	}

	ev.setUpdateFix(&f)
	if !ev.chain.PublicRoot {
		f.Severity = report.Failure
		f.Summary = fmt.Sprintf("IAM holds no thumbprint of any certificate that %s presents, and enforces it because the chain does not lead to a CA that AWS trusts", ev.chain.Address)
		return []report.Finding{f}
	}

	f.Severity = report.Warning
	f.Summary = fmt.Sprintf("IAM holds no thumbprint of any certificate that %s presents; it is a legacy value that IAM does not consult for this chain, so it does not cause errors", ev.chain.Address)

	return []report.Finding{f}
}

// leafOnly judges a chain whose top presented certificate is the leaf: no
// thumbprint of it survives the leaf's renewal, so the fix is on the server.
func (ev *evidence) leafOnly(f report.Finding, matched map[string]int) report.Finding {
	f.Fix = fmt.Sprintf("configure %s to send its intermediate CA certificates after the leaf, then rerun this diagnosis for the thumbprint to hold", ev.chain.Address)
	switch {
	case len(matched) > 0:
		f.Severity = report.Warning
		f.Summary = fmt.Sprintf("IAM holds the thumbprint of the leaf certificate, the only CA-less certificate that %s presents, which stops matching when the leaf is renewed", ev.chain.Address)
	case !ev.chain.PublicRoot:
		f.Severity = report.Failure
		f.Summary = fmt.Sprintf("%s presents its leaf certificate without the CA certificates that issued it, IAM holds no thumbprint of it, and IAM enforces the thumbprint because the chain does not lead to a CA that AWS trusts", ev.chain.Address)
	default:
		f.Severity = report.Warning
		f.Summary = fmt.Sprintf("%s presents its leaf certificate without the CA certificates that issued it; IAM does not consult the thumbprint for this chain", ev.chain.Address)
	}

	return f
}

// partialMatch judges a list that matches a presented certificate other
// than the top one: a pinned leaf breaks when the leaf is renewed.
func (ev *evidence) partialMatch(f report.Finding, matched map[string]int) report.Finding {
	lowest := len(ev.chain.Certificates)
	for _, position := range matched {
		lowest = min(lowest, position)
	}
	if lowest == 0 {
		ev.setUpdateFix(&f)
		f.Severity = report.Warning
		f.Summary = "IAM holds the thumbprint of the leaf certificate (position 0), which stops matching when the leaf is renewed; add the top certificate's thumbprint"
		return f
	}

	f.Severity = report.OK
	f.Summary = fmt.Sprintf("IAM holds the thumbprint of the presented intermediate certificate at position %d", lowest)

	return f
}

// setUpdateFix sets the fix to the AWS CLI command that sets the provider's
// list to chain.Plan's result, and names each entry the plan drops.
func (ev *evidence) setUpdateFix(f *report.Finding) {
	next, dropped := chain.Plan(ev.provider.Thumbprints, ev.chain.Certificates, ev.now)
	f.Fix = UpdateCommand(ev.provider.ARN, next, ev.profile)
	for _, d := range dropped {
		f.Evidence = append(f.Evidence, fmt.Sprintf("the fix drops %s: %s", d.Thumbprint, d.Reason))
	}
}

// UpdateCommand returns the AWS CLI command that sets the thumbprint list
// of the provider providerARN, with --profile when profile is set.
func UpdateCommand(providerARN string, thumbprints []string, profile string) string {
	command := fmt.Sprintf("aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn %s --thumbprint-list %s",
		providerARN, strings.Join(thumbprints, " "))
	if profile != "" {
		command += " --profile " + profile
	}

	return command
}

func (ev *evidence) createProviderCommand() string {
	// A chain seen through a TLS-inspecting proxy differs from the chain AWS
	// receives, so its thumbprint would be wrong here.
	thumbprint := "<thumbprint>"
	if ev.chain != nil && len(ev.chain.Certificates) > 0 && !ev.chain.Intercepted {
		thumbprint = chain.Thumbprint(ev.chain.Top())
	}
	audiences := ev.audienceNames()

	return fmt.Sprintf("aws iam create-open-id-connect-provider --url %s --client-id-list %s --thumbprint-list %s%s",
		ev.issuerURL, strings.Join(audiences, " "), thumbprint, ev.profileFlag())
}

func (ev *evidence) profileFlag() string {
	if ev.profile == "" {
		return ""
	}

	return " --profile " + ev.profile
}

// chainReport converts the inspected chain for the report.
func (ev *evidence) chainReport() *report.Chain {
	if ev.chain == nil {
		return nil
	}

	out := ChainReport(ev.chain, ev.providerThumbprints())
	out.IAMCompared = ev.provider != nil

	return out
}

func (ev *evidence) providerThumbprints() []string {
	if ev.provider == nil {
		return nil
	}

	return ev.provider.Thumbprints
}

// verifiedRootEvidence names the root CA that the chain verifies up to when
// the server does not send it, such as the self-signed form of a
// cross-signed root. It adds a line when IAM has that root's thumbprint.
func (ev *evidence) verifiedRootEvidence() []string {
	root := ev.chain.VerifiedRoot
	if root == nil {
		return nil
	}
	thumbprint := chain.Thumbprint(root)
	if _, presented := ev.chain.Match([]string{thumbprint})[thumbprint]; presented {
		return nil
	}

	lines := []string{fmt.Sprintf("the chain verifies up to the root %s (%s), which the server does not send; IAM compares presented certificates only", root.Subject, thumbprint)}
	for _, held := range ev.provider.Thumbprints {
		if normalized, err := chain.NormalizeThumbprint(held); err == nil && normalized == thumbprint {
			lines = append(lines, fmt.Sprintf("IAM holds %s, the thumbprint of that root; for a cross-signed root, the top presented certificate is another form of it", thumbprint))
		}
	}

	return lines
}

// issuerHostEvidence explains, when the JWKS URI is on another host than
// the issuer, that only the JWKS host's chain counts, and whether IAM holds
// a thumbprint of the issuer host's chain instead.
func (ev *evidence) issuerHostEvidence() []string {
	if ev.issuerHostChain == nil || len(ev.issuerHostChain.Certificates) == 0 {
		return nil
	}

	lines := []string{fmt.Sprintf("the JWKS URI is on %s, not on the issuer host %s; STS fetches the keys there, so that chain is the one IAM checks",
		ev.chain.Address, ev.issuerHostChain.Address)}
	for thumbprint, position := range ev.issuerHostChain.Match(ev.providerThumbprints()) {
		if _, onJWKSHost := ev.chain.Match([]string{thumbprint})[thumbprint]; onJWKSHost {
			continue
		}
		lines = append(lines, fmt.Sprintf("IAM holds %s, the thumbprint of certificate %d of the issuer host %s, which does not count for the keys",
			thumbprint, position, ev.issuerHostChain.Address))
	}

	return lines
}

// ChainReport converts an inspected chain for a report, marking the
// certificates whose thumbprint iamThumbprints holds.
func ChainReport(c *chain.Result, iamThumbprints []string) *report.Chain {
	matched := c.Match(iamThumbprints)
	out := &report.Chain{
		Host:               c.Address,
		TLSVersion:         c.TLSVersion,
		PublicRoot:         c.PublicRoot,
		SystemRoot:         c.SystemRoot,
		ThumbprintEnforced: !c.PublicRoot,
		InterceptionSigns:  c.InterceptionSigns,
		Certificates:       []report.Certificate{},
	}
	for i, cert := range c.Certificates {
		thumbprint := chain.Thumbprint(cert)
		_, inIAM := matched[thumbprint]
		out.Certificates = append(out.Certificates, report.Certificate{
			Position:   i,
			Subject:    cert.Subject.String(),
			Issuer:     cert.Issuer.String(),
			NotBefore:  cert.NotBefore.UTC(),
			NotAfter:   cert.NotAfter.UTC(),
			Thumbprint: thumbprint,
			InIAM:      inIAM,
		})
	}

	return out
}
