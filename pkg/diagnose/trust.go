package diagnose

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/iamcheck"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/workload"
	"k8s.io/klog/v2"
)

// maxConcurrentGetRole bounds parallel GetRole calls. The SDK's retryer
// handles throttling; this keeps a cluster with hundreds of roles from
// triggering it in the first place.
const maxConcurrentGetRole = 4

// roleEvidence holds the parsed ARN, the role read from IAM and any error for one role annotation value.
type roleEvidence struct {
	annotation string
	arn        iamcheck.RoleARN
	parseErr   error
	role       *iamcheck.Role
	err        error
	// otherAccount is "partition:account" of the provider found with these
	// credentials when the role is in another account or partition, so
	// neither the role nor that account's provider can be checked.
	otherAccount string
}

// checkRoles reads the trust policy of every distinct role that annotated
// service accounts name, once each.
func checkRoles(ctx context.Context, cfg Config, ev *evidence) {
	if ev.workloads == nil || len(ev.workloads.ServiceAccounts) == 0 {
		return
	}

	ev.roles = map[string]*roleEvidence{}
	providerAccount, providerPartition := "", ""
	if ev.provider != nil {
		providerAccount = iamcheck.AccountFromARN(ev.provider.ARN)
		providerPartition = partitionOf(ev.provider.ARN)
	}
	var toFetch []*roleEvidence
	for _, sa := range ev.workloads.ServiceAccounts {
		if _, seen := ev.roles[sa.RoleARN]; seen {
			continue
		}
		role := &roleEvidence{annotation: sa.RoleARN}
		ev.roles[sa.RoleARN] = role
		role.arn, role.parseErr = iamcheck.ParseRoleARN(sa.RoleARN)
		switch {
		case role.parseErr != nil:
		case providerAccount != "" && (role.arn.Account != providerAccount || role.arn.Partition != providerPartition):
			role.otherAccount = providerPartition + ":" + providerAccount
		case ev.iam != nil:
			toFetch = append(toFetch, role)
		}
	}

	start := time.Now()
	defer func() {
		klog.V(2).InfoS("check done", "check", "trust policies", "roles", len(toFetch), "duration", time.Since(start))
	}()
	var wg sync.WaitGroup
	slots := make(chan struct{}, maxConcurrentGetRole)
	for _, role := range toFetch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			role.role, role.err = withTimeout(ctx, cfg, func(ctx context.Context) (*iamcheck.Role, error) {
				return iamcheck.GetRole(ctx, ev.iam, role.arn.Name)
			})
		}()
	}
	wg.Wait()
}

// trustFindings judges each role's trust policy for each service account
// that uses it.
func (ev *evidence) trustFindings() []report.Finding {
	if len(ev.roles) == 0 {
		return nil
	}

	var findings []report.Finding
	allowed := 0
	for _, sa := range ev.workloads.ServiceAccounts {
		role := ev.roles[sa.RoleARN]
		f, ok := ev.judgeRole(sa, role)
		if ok {
			allowed++
			continue
		}
		if f.Summary != "" {
			findings = append(findings, f)
		}
	}
	findings = dedupeFindings(findings)
	if allowed > 0 {
		findings = append(findings, report.Finding{
			Check:    report.CheckTrust,
			Severity: report.OK,
			Summary:  fmt.Sprintf("the trust policies allow %d service account(s) to assume their role with a token of this issuer", allowed),
		})
	}

	return findings
}

// judgeRole returns a finding for one service account's role, or ok when
// the trust policy allows it.
func (ev *evidence) judgeRole(sa workload.ServiceAccount, role *roleEvidence) (report.Finding, bool) {
	subject := iamcheck.Subject(sa.Namespace, sa.Name)
	f := report.Finding{Check: report.CheckTrust}
	switch {
	case role.parseErr != nil:
		f.Severity = report.Failure
		f.Summary = fmt.Sprintf("service account %s/%s has a malformed %s annotation %q, so STS rejects it with \"Request ARN is invalid\"",
			sa.Namespace, sa.Name, workload.RoleARNAnnotation, role.annotation)
		f.Evidence = []string{role.parseErr.Error()}
		f.Fix = fmt.Sprintf("kubectl annotate serviceaccount %s -n %s --overwrite %s=arn:aws:iam::<account>:role/<name>",
			sa.Name, sa.Namespace, workload.RoleARNAnnotation)
	case role.otherAccount != "":
		f.Severity = report.Warning
		f.Summary = fmt.Sprintf("role %s is in account %s:%s, but these credentials are for account %s, so its trust policy and that account's OIDC provider are not verifiable with these credentials",
			role.annotation, role.arn.Partition, role.arn.Account, role.otherAccount)
		f.Fix = fmt.Sprintf("in account %s, make sure an OIDC provider for %s exists (arn %s), then rerun with --profile for that account",
			role.arn.Account, ev.providerURL, role.arn.ProviderARN(ev.providerURL))
	case errors.Is(role.err, iamcheck.ErrRoleNotFound):
		f.Severity = report.Failure
		f.Summary = fmt.Sprintf("role %s, named by service account %s/%s, does not exist", role.annotation, sa.Namespace, sa.Name)
		f.Fix = fmt.Sprintf("create the role, or correct the annotation: kubectl annotate serviceaccount %s -n %s --overwrite %s=<role ARN>",
			sa.Name, sa.Namespace, workload.RoleARNAnnotation)
	case errors.Is(role.err, iamcheck.ErrAccessDenied):
		f.Severity = report.Warning
		f.Summary = fmt.Sprintf("the trust policy of role %s is not verifiable with these credentials", role.annotation)
		f.Evidence = []string{role.err.Error()}
		f.Fix = "use credentials that allow iam:GetRole on the role"
	case role.err != nil:
		f.Severity = report.Error
		f.Summary = fmt.Sprintf("the trust policy of role %s could not be read", role.annotation)
		f.Evidence = []string{role.err.Error()}
	case role.role == nil:
		// No IAM client: the provider finding already reports the reason.
		return report.Finding{}, false
	case role.role.ARN != role.annotation:
		f.Severity = report.Warning
		f.Summary = fmt.Sprintf("the annotation of %s/%s names %s, but the role's ARN is %s", sa.Namespace, sa.Name, role.annotation, role.role.ARN)
		f.Fix = fmt.Sprintf("kubectl annotate serviceaccount %s -n %s --overwrite %s=%s", sa.Name, sa.Namespace, workload.RoleARNAnnotation, role.role.ARN)
	default:
		verdict := role.role.Policy.Evaluate(iamcheck.TrustRequest{
			ProviderARN: role.arn.ProviderARN(ev.providerURL),
			ProviderURL: ev.providerURL,
			Subject:     subject,
			Audience:    sa.Audience,
		})
		if verdict.Allowed {
			return report.Finding{}, true
		}
		if verdict.Uncertain {
			f.Severity = report.Warning
			f.Summary = fmt.Sprintf("the trust policy of role %s may not let service account %s/%s assume it; this check cannot decide",
				role.annotation, sa.Namespace, sa.Name)
			f.Evidence = []string{verdict.Reason}
			f.Fix = verdict.Fix
			return f, false
		}
		f.Severity = report.Failure
		f.Summary = fmt.Sprintf("the trust policy of role %s does not let service account %s/%s assume it, so STS answers AccessDenied",
			role.annotation, sa.Namespace, sa.Name)
		f.Evidence = []string{verdict.Reason}
		f.Fix = verdict.Fix
	}

	return f, false
}

// partitionOf returns the partition field of an ARN, or "".
func partitionOf(arn string) string {
	fields := strings.SplitN(arn, ":", 3)
	if len(fields) < 3 {
		return ""
	}

	return fields[1]
}

// dedupeFindings drops repeated findings, such as one role that many
// service accounts cannot read, keeping the first.
func dedupeFindings(findings []report.Finding) []report.Finding {
	seen := map[string]bool{}
	var out []report.Finding
	for _, f := range findings {
		if seen[f.Summary] {
			continue
		}
		seen[f.Summary] = true
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Severity == report.Failure && out[j].Severity != report.Failure })

	return out
}
