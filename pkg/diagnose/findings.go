package diagnose

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"strings"

	"github.com/aws/smithy-go"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/chain"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/issuer"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/stserr"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/workload"
)

// maxListed bounds the objects named in one finding's evidence.
const maxListed = 10

// report joins the evidence into a report with sorted findings.
func (ev *evidence) report(cfg Config) *report.Report {
	r := &report.Report{
		SchemaVersion: report.SchemaVersion,
		GeneratedAt:   ev.now.UTC(),
		Cluster:       report.Cluster{Context: cfg.Context, Server: cfg.Server},
		Issuer: report.Issuer{
			URL:           ev.issuerURL,
			Source:        ev.issuerSource,
			PublicKeyIDs:  ev.publicKeys,
			ClusterKeyIDs: ev.clusterKeys,
		},
		ServiceAccounts: []report.ServiceAccount{},
		AffectedPods:    []report.AffectedPod{},
	}
	if ev.public != nil {
		r.Issuer.JWKSURI = ev.public.JWKSURI
	}
	if ev.provider != nil {
		r.Provider = &report.Provider{
			ARN:         ev.provider.ARN,
			URL:         ev.provider.URL,
			ClientIDs:   ev.provider.ClientIDs,
			Thumbprints: ev.provider.Thumbprints,
		}
	}
	r.Chain = ev.chainReport()
	if ev.issuerHostChain != nil {
		r.IssuerHostChain = ChainReport(ev.issuerHostChain, ev.providerThumbprints())
		r.IssuerHostChain.IAMCompared = ev.provider != nil
	}
	if ev.workloads != nil {
		for _, sa := range ev.workloads.ServiceAccounts {
			r.ServiceAccounts = append(r.ServiceAccounts, report.ServiceAccount(sa))
		}
		roles := map[string]string{}
		for _, sa := range ev.workloads.ServiceAccounts {
			roles[sa.Namespace+"/"+sa.Name] = sa.RoleARN
		}
		for _, hit := range ev.workloads.Hits {
			a := affected(hit)
			a.Role = roles[qualifiedServiceAccount(hit)]
			r.AffectedPods = append(r.AffectedPods, a)
		}
	}

	var findings []report.Finding
	findings = append(findings, ev.issuerFindings()...)
	findings = append(findings, ev.keyFindings()...)
	findings = append(findings, ev.providerFindings()...)
	findings = append(findings, ev.audienceFindings()...)
	findings = append(findings, ev.chainFindings()...)
	findings = append(findings, ev.thumbprintFindings()...)
	findings = append(findings, ev.workloadFindings()...)
	findings = append(findings, ev.podFindings()...)
	findings = append(findings, ev.trustFindings()...)
	findings = append(ev.observedErrorFindings(findings), findings...)
	r.Findings = sortFindings(findings)
	r.Verdict = report.Worst(r.Findings)

	return r
}

// qualifiedServiceAccount returns "namespace/name" of a hit's service
// account, which Hit.ServiceAccount qualifies only when the namespaces differ.
func qualifiedServiceAccount(hit workload.Hit) string {
	if strings.Contains(hit.ServiceAccount, "/") {
		return hit.ServiceAccount
	}

	return hit.Namespace + "/" + hit.ServiceAccount
}

func affected(hit workload.Hit) report.AffectedPod {
	return report.AffectedPod{
		Namespace:      hit.Namespace,
		Kind:           hit.Kind,
		Name:           hit.Name,
		ServiceAccount: hit.ServiceAccount,
		Workload:       hit.Workload,
		ReportedBy:     hit.ReportedBy,
		Code:           hit.Match.Code,
		Cause:          string(hit.Match.Cause),
		Message:        hit.Match.Message,
		Source:         hit.Source,
		Count:          hit.Count,
		LastSeen:       hit.LastSeen.UTC(),
	}
}

func (ev *evidence) issuerFindings() []report.Finding {
	var findings []report.Finding
	if ev.issuerSource == "flag" && ev.apiIssuer != "" && ev.apiIssuer != ev.issuerURL {
		findings = append(findings, report.Finding{
			Check:    report.CheckIssuer,
			Severity: report.Warning,
			Summary:  fmt.Sprintf("--issuer %s differs from the API server's issuer %s", ev.issuerURL, ev.apiIssuer),
			Evidence: []string{"tokens carry the API server's issuer as iss, so STS looks up a provider for that one"},
		})
	}

	if ev.publicErr != nil && isLocalLimit(ev.publicErr) {
		return append(findings, report.Finding{
			Check:    report.CheckDiscovery,
			Severity: report.Error,
			Summary:  "the public discovery document could not be checked within this tool's limits",
			Evidence: []string{ev.publicErr.Error()},
			Fix:      "rerun with a larger --request-timeout; a document over 1 MiB is also worth fixing",
		})
	}
	if ev.publicErr != nil {
		findings = append(findings, report.Finding{
			Check:    report.CheckDiscovery,
			Severity: report.Failure,
			Summary:  "the public discovery document of the issuer could not be read, so STS cannot find the signing keys",
			Evidence: []string{ev.publicErr.Error()},
			Fix: fmt.Sprintf("serve %s%s over HTTPS to the internet, with \"issuer\": %q and an https \"jwks_uri\"",
				strings.TrimSuffix(ev.issuerURL, "/"), issuer.DiscoveryPath, ev.issuerURL),
		})
		return findings
	}

	return append(findings, report.Finding{
		Check:    report.CheckDiscovery,
		Severity: report.OK,
		Summary:  fmt.Sprintf("the public discovery document names jwks_uri %s", ev.public.JWKSURI),
	})
}

func (ev *evidence) keyFindings() []report.Finding {
	if ev.public == nil {
		return nil
	}
	if ev.publicKeyErr != nil && isLocalLimit(ev.publicKeyErr) {
		return []report.Finding{{
			Check:    report.CheckJWKS,
			Severity: report.Error,
			Summary:  "the public JWKS could not be checked within this tool's limits",
			Evidence: []string{ev.publicKeyErr.Error()},
			Fix:      "rerun with a larger --request-timeout; a JWKS over 1 MiB is also worth fixing",
		}}
	}
	if ev.publicKeyErr != nil {
		return []report.Finding{{
			Check:    report.CheckJWKS,
			Severity: report.Failure,
			Summary:  "the public JWKS could not be read, so STS cannot verify token signatures",
			Evidence: []string{ev.publicKeyErr.Error()},
			Fix:      fmt.Sprintf("publish the API server's keys at %s: kubectl get --raw %s", ev.public.JWKSURI, issuer.ClusterJWKSPath),
		}}
	}
	if ev.clusterErr != nil {
		return []report.Finding{{
			Check:    report.CheckJWKS,
			Severity: report.Warning,
			Summary:  "the public JWKS was read, but the API server's keys could not be compared with it",
			Evidence: []string{ev.clusterErr.Error()},
			Fix:      forbiddenFix(ev.clusterErr, "kubectl create clusterrolebinding oidc-thumbprint-issuer-discovery --clusterrole=system:service-account-issuer-discovery --user=<your user>"),
		}}
	}

	missing := difference(ev.clusterKeys, ev.publicKeys)
	if len(missing) > 0 {
		return []report.Finding{{
			Check:    report.CheckJWKS,
			Severity: report.Failure,
			Summary:  fmt.Sprintf("the public JWKS lacks %d key ID(s) that the API server publishes, so tokens signed with them fail verification", len(missing)),
			Evidence: []string{
				"missing from " + ev.public.JWKSURI + ": " + strings.Join(missing, ", "),
				"public key IDs: " + strings.Join(ev.publicKeys, ", "),
			},
			Fix: fmt.Sprintf("kubectl get --raw %s > jwks.json, then publish jwks.json at %s", issuer.ClusterJWKSPath, ev.public.JWKSURI),
		}}
	}

	return []report.Finding{{
		Check:    report.CheckJWKS,
		Severity: report.OK,
		Summary:  fmt.Sprintf("the public JWKS holds all %d key ID(s) of the API server", len(ev.clusterKeys)),
	}}
}

func (ev *evidence) providerFindings() []report.Finding {
	if ev.providerErr != nil {
		return []report.Finding{{
			Check:    report.CheckProvider,
			Severity: report.Error,
			Summary:  "the IAM OIDC providers could not be read, so the provider, audience and thumbprint checks did not run",
			Evidence: []string{ev.providerErr.Error()},
			Fix:      iamErrorFix(ev.providerErr),
		}}
	}
	if ev.provider == nil {
		f := report.Finding{
			Check:    report.CheckProvider,
			Severity: report.Failure,
			Summary:  fmt.Sprintf("no IAM OIDC provider for %s in this account, so STS rejects every token of this issuer", ev.providerURL),
			Fix:      ev.createProviderCommand(),
		}
		for _, arn := range ev.similar {
			f.Evidence = append(f.Evidence, "a provider with a URL that differs only in case or a trailing slash exists: "+arn)
		}
		return []report.Finding{f}
	}

	return []report.Finding{{
		Check:    report.CheckProvider,
		Severity: report.OK,
		Summary:  "IAM OIDC provider " + ev.provider.ARN + " matches the issuer",
	}}
}

func (ev *evidence) audienceFindings() []report.Finding {
	if ev.provider == nil {
		return nil
	}

	var findings []report.Finding
	for _, audience := range ev.audiences() {
		if slices.Contains(ev.provider.ClientIDs, audience.name) {
			continue
		}
		findings = append(findings, report.Finding{
			Check:    report.CheckAudience,
			Severity: report.Failure,
			Summary:  fmt.Sprintf("the provider's client IDs lack the audience %q, so STS rejects the tokens with \"Incorrect token audience\"", audience.name),
			Evidence: append([]string{"client IDs: " + listOrNone(ev.provider.ClientIDs)}, audience.users...),
			Fix: fmt.Sprintf("aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn %s --client-id %s%s",
				ev.provider.ARN, audience.name, ev.profileFlag()),
		})
	}
	if len(findings) > 0 {
		return findings
	}

	summary := "the provider's client IDs include every audience in use: " + strings.Join(ev.audienceNames(), ", ")
	if ev.workloads == nil || !ev.workloads.ServiceAccountsListed {
		summary = "the provider's client IDs include the default audience " + workload.DefaultAudience +
			"; the service accounts could not be listed, so other audiences in use were not checked"
	}

	return []report.Finding{{
		Check:    report.CheckAudience,
		Severity: report.OK,
		Summary:  summary,
	}}
}

func (ev *evidence) chainFindings() []report.Finding {
	if ev.chainErr != nil {
		return []report.Finding{{
			Check:    report.CheckChain,
			Severity: report.Error,
			Summary:  "the TLS chain of the JWKS host could not be read, so the thumbprint was not judged",
			Evidence: []string{ev.chainErr.Error()},
		}}
	}

	var findings []report.Finding
	for i, cert := range ev.chain.Certificates {
		switch {
		case ev.now.After(cert.NotAfter):
			findings = append(findings, report.Finding{
				Check:    report.CheckChain,
				Severity: report.Failure,
				Summary:  fmt.Sprintf("certificate %d (%s) presented by %s expired on %s", i, cert.Subject, ev.chain.Address, cert.NotAfter.UTC().Format("2006-01-02")),
				Fix:      "renew the certificate on " + ev.chain.Address,
			})
		case ev.now.Before(cert.NotBefore):
			findings = append(findings, report.Finding{
				Check:    report.CheckChain,
				Severity: report.Failure,
				Summary:  fmt.Sprintf("certificate %d (%s) presented by %s is not valid before %s", i, cert.Subject, ev.chain.Address, cert.NotBefore.UTC().Format(timeLayout)),
			})
		case cert.NotAfter.Sub(ev.now) < chain.ExpiryWarning:
			findings = append(findings, report.Finding{
				Check:    report.CheckChain,
				Severity: report.Warning,
				Summary:  fmt.Sprintf("certificate %d (%s) presented by %s expires on %s", i, cert.Subject, ev.chain.Address, cert.NotAfter.UTC().Format("2006-01-02")),
				Fix:      "renew the certificate on " + ev.chain.Address + " before it expires, then rerun this diagnosis",
			})
		}
	}
	if chain.TopIsLeaf(ev.chain.Certificates) {
		findings = append(findings, report.Finding{
			Check:    report.CheckChain,
			Severity: report.Warning,
			Summary:  fmt.Sprintf("%s presents only its leaf certificate, not the CA certificates that issued it (%s)", ev.chain.Address, ev.chain.Top().Issuer),
			Fix:      "configure " + ev.chain.Address + " to send its intermediate CA certificates after the leaf",
		})
	}
	switch {
	case ev.chain.Intercepted:
		findings = append(findings, report.Finding{
			Check:    report.CheckChain,
			Severity: report.Warning,
			Summary:  "the TLS connection from here looks intercepted, so the chain seen here is probably not the one AWS sees",
			Evidence: ev.chain.InterceptionSigns,
			Fix:      "rerun from a network without a TLS-inspecting proxy (for example a cloud shell) before changing any thumbprint",
		})
	case len(ev.chain.InterceptionSigns) > 0:
		findings = append(findings, report.Finding{
			Check:    report.CheckChain,
			Severity: report.Warning,
			Summary:  "the chain verifies with this machine's CAs but not with the CAs that AWS trusts: a private CA installed here, or a TLS-inspecting proxy",
			Evidence: ev.chain.InterceptionSigns,
			Fix:      "if a proxy inspects TLS on this network, rerun from another one before changing any thumbprint",
		})
	}

	trust := "does not verify against the CAs that AWS trusts, so IAM enforces the thumbprint"
	if ev.chain.PublicRoot {
		trust = "verifies against a CA that AWS trusts, so IAM does not consult the thumbprint"
	}
	summary := fmt.Sprintf("%s presents %d certificate(s) over %s; the chain %s", ev.chain.Address, len(ev.chain.Certificates), ev.chain.TLSVersion, trust)
	if len(findings) > 0 {
		// An OK line beside a failure of the same check reads as a
		// contradiction, so the summary becomes evidence of the first one.
		findings[0].Evidence = append(append([]string{summary}, findings[0].Evidence...), verifyEvidence(ev.chain)...)
		return findings
	}
	findings = append(findings, report.Finding{
		Check:    report.CheckChain,
		Severity: report.OK,
		Summary:  summary,
		Evidence: verifyEvidence(ev.chain),
	})

	return findings
}

func verifyEvidence(c *chain.Result) []string {
	var out []string
	if c.PublicErr != nil {
		out = append(out, "against the CAs that AWS trusts: "+c.PublicErr.Error())
	}
	if c.SystemErr != nil {
		out = append(out, "against the system pool: "+c.SystemErr.Error())
	}

	return out
}

func (ev *evidence) workloadFindings() []report.Finding {
	if ev.workloads == nil {
		return nil
	}

	var findings []report.Finding
	for _, err := range ev.workloads.Errors {
		findings = append(findings, report.Finding{
			Check:    report.CheckWorkloads,
			Severity: report.Error,
			Summary:  "part of the workload scan failed, so affected pods may be missing",
			Evidence: []string{err.Error()},
			Fix:      workloadErrorFix(err),
		})
	}

	scope := "all namespaces"
	if ev.namespace != "" {
		scope = "namespace " + ev.namespace
	}
	if !ev.workloads.ServiceAccountsListed {
		return findings
	}
	if len(ev.workloads.ServiceAccounts) == 0 {
		findings = append(findings, report.Finding{
			Check:    report.CheckWorkloads,
			Severity: report.OK,
			Summary:  fmt.Sprintf("no service account in %s is annotated with %s", scope, workload.RoleARNAnnotation),
		})
		return findings
	}

	pods := 0
	for _, sa := range ev.workloads.ServiceAccounts {
		pods += sa.Pods
	}

	f := report.Finding{
		Check:    report.CheckWorkloads,
		Severity: report.OK,
		Summary: fmt.Sprintf("%d service account(s) are annotated with an IAM role and %d pod(s) use them; %d pods and %d Warning events scanned",
			len(ev.workloads.ServiceAccounts), pods, ev.workloads.PodsScanned, ev.workloads.EventsScanned),
	}
	if logs := ev.workloads.Logs; logs != nil {
		line := fmt.Sprintf("container logs: the last lines of %d log(s) of pods of annotated service accounts were scanned", logs.Containers)
		if logs.PodsSkipped > 0 {
			line += fmt.Sprintf("; %d pod(s) over the limit of %d were not", logs.PodsSkipped, workload.MaxLogPods)
		}
		f.Evidence = append(f.Evidence, line)
		if logs.Failed > 0 {
			findings = append(findings, report.Finding{
				Check:    report.CheckWorkloads,
				Severity: report.Warning,
				Summary:  fmt.Sprintf("%d container log(s) could not be read, so errors that only the logs show may be missing", logs.Failed),
				Evidence: []string{logs.FirstError.Error()},
				Fix:      forbiddenFix(logs.FirstError, "grant get on pods/log"),
			})
		}
	}
	if n := ev.workloads.PodIdentityPods; n > 0 {
		f.Evidence = append(f.Evidence, fmt.Sprintf("%d pod(s) get credentials through EKS Pod Identity, not IRSA, so this diagnosis does not apply to them", n))
	}

	return append(findings, f)
}

// checkForCause maps an STS error cause to the check that finds its root.
var checkForCause = map[stserr.Cause][]report.Check{
	stserr.ThumbprintMismatch: {report.CheckThumbprint, report.CheckChain},
	stserr.ProviderNotFound:   {report.CheckProvider},
	stserr.IncorrectAudience:  {report.CheckAudience},
	stserr.MissingAudience:    {report.CheckAudience},
	stserr.VerificationKey:    {report.CheckDiscovery, report.CheckJWKS, report.CheckChain},
	stserr.AccessDenied:       {report.CheckTrust},
	stserr.InvalidRoleARN:     {report.CheckTrust},
}

// observedErrorFindings turns the STS errors that workloads report into one
// finding per cause, and marks the findings that explain them.
func (ev *evidence) observedErrorFindings(findings []report.Finding) []report.Finding {
	if ev.workloads == nil || len(ev.workloads.Hits) == 0 {
		return nil
	}

	byCause := map[stserr.Cause][]workload.Hit{}
	var causes []stserr.Cause
	for _, hit := range ev.workloads.Hits {
		if _, seen := byCause[hit.Match.Cause]; !seen {
			causes = append(causes, hit.Match.Cause)
		}
		byCause[hit.Match.Cause] = append(byCause[hit.Match.Cause], hit)
	}

	var out []report.Finding
	for _, cause := range causes {
		hits := byCause[cause]
		f := report.Finding{
			Check:    report.CheckErrors,
			Severity: report.Failure,
			Summary: fmt.Sprintf("%d object(s) report %s: %s",
				len(hits), hits[0].Match.Code, hits[0].Match.Message),
			Evidence: []string{"likely cause: " + cause.Explanation()},
		}
		for i, hit := range hits {
			if i == maxListed {
				f.Evidence = append(f.Evidence, fmt.Sprintf("and %d more", len(hits)-maxListed))
				break
			}
			f.Evidence = append(f.Evidence, describeHit(hit))
		}
		if !markExplaining(findings, checkForCause[cause]) {
			// Events outlive a fix by about an hour, so errors without a
			// current cause do not fail the diagnosis.
			f.Severity = report.Warning
			f.Evidence = append(f.Evidence, "no current check fails for this cause: the errors may predate a fix, or the cause is outside what this tool checks")
		}
		out = append(out, f)
	}

	return out
}

// markExplaining flags the failing findings of the given checks as the
// explanation of observed errors, and reports whether any was found.
func markExplaining(findings []report.Finding, checks []report.Check) bool {
	marked := false
	for i := range findings {
		if findings[i].Severity != report.Failure || !slices.Contains(checks, findings[i].Check) {
			continue
		}
		findings[i].ExplainsErrors = true
		marked = true
	}

	return marked
}

func describeHit(hit workload.Hit) string {
	name := hit.Kind + " " + hit.Name
	if hit.Namespace != "" {
		name = hit.Kind + " " + hit.Namespace + "/" + hit.Name
	}
	switch {
	case hit.ServiceAccount != "" && hit.Workload != "":
		name += " (" + hit.Workload + ", service account " + hit.ServiceAccount + ")"
	case hit.ServiceAccount != "":
		name += " (service account " + hit.ServiceAccount + ")"
	case hit.ReportedBy != "":
		name += " (reported by " + hit.ReportedBy + ")"
	}
	text := fmt.Sprintf("%s: %s, %d time(s)", name, hit.Source, hit.Count)
	if !hit.LastSeen.IsZero() {
		text += ", last " + hit.LastSeen.UTC().Format(timeLayout)
	}

	return text
}

const timeLayout = "2006-01-02 15:04:05Z"

// sortFindings puts the explanation of observed errors first, then the
// observed errors, then the rest by severity, keeping the order of checks.
func sortFindings(findings []report.Finding) []report.Finding {
	rank := func(f report.Finding) int {
		switch {
		case f.ExplainsErrors:
			return 0
		case f.Check == report.CheckErrors:
			return 1
		case f.Severity == report.Failure:
			return 2
		case f.Severity == report.Error:
			return 3
		case f.Severity == report.Warning:
			return 4
		default:
			return 5
		}
	}
	sort.SliceStable(findings, func(i, j int) bool { return rank(findings[i]) < rank(findings[j]) })

	return findings
}

// iamErrorFix returns what to do about an IAM error: grant the actions when
// IAM denied them, otherwise check the credentials and the connection.
func iamErrorFix(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && strings.Contains(apiErr.ErrorCode(), "AccessDenied") {
		return "use AWS credentials (--profile, or the AWS_* variables) that allow iam:ListOpenIDConnectProviders and iam:GetOpenIDConnectProvider"
	}

	return "check the AWS credentials (--profile, or the AWS_* variables), --region, and that IAM is reachable from here (AWS_ENDPOINT_URL_IAM, if set, names the endpoint)"
}

// isLocalLimit reports whether err comes from this tool's own limits, a
// timeout or the size bound, rather than from what STS would also see.
func isLocalLimit(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, issuer.ErrTooLarge) ||
		(errors.As(err, &netErr) && netErr.Timeout())
}

func workloadErrorFix(err error) string {
	if errors.Is(err, workload.ErrNamespaceNotFound) {
		return "check the namespace name: kubectl get namespaces"
	}

	return forbiddenFix(err, "grant get and list on serviceaccounts, pods and events, or narrow the scan with -n NAMESPACE")
}

func forbiddenFix(err error, fix string) string {
	if apierrors.IsForbidden(errors.Unwrap(err)) || apierrors.IsForbidden(err) || errors.Is(err, issuer.ErrForbidden) {
		return fix
	}

	return ""
}
