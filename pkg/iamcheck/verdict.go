package iamcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

func denyVerdict(r *statementResult, req TrustRequest) TrustVerdict {
	reason := fmt.Sprintf("%s denies %s for %q", r.label(), WebIdentityAction, req.Subject)
	if r.principal == principalNotExcluded {
		reason += fmt.Sprintf(", because its NotPrincipal does not name %q", req.ProviderARN)
	}

	return TrustVerdict{
		Reason:    reason + ", and an explicit Deny overrides every Allow",
		Fix:       fmt.Sprintf("remove %s, or add a condition to it that is false for the sub %q", r.label(), req.Subject),
		Statement: r.name(),
	}
}

// allowVerdict names the Allow statement r that matched. It also names Deny
// statements that were treated as not matching only because a condition
// could not be evaluated, since those may block the request in IAM.
func allowVerdict(r *statementResult, results []statementResult, req TrustRequest) TrustVerdict {
	reason := fmt.Sprintf("%s allows %s for %q", r.label(), WebIdentityAction, req.Subject)
	for i := range results {
		deny := &results[i]
		if deny.statement.Effect != "Deny" || !deny.actionMatches || deny.principal == principalMismatch || !deny.undecided() {
			continue
		}
		for _, f := range deny.failures {
			if f.problem != "" {
				reason += fmt.Sprintf("; Deny %s may still apply: %s", deny.label(), f.problem)
				break
			}
		}
	}

	return TrustVerdict{Allowed: true, Reason: reason, Statement: r.name()}
}

// explainDenial picks the statement closest to allowing the request and
// explains what keeps it from matching.
func explainDenial(results []statementResult, req TrustRequest) TrustVerdict {
	var conditionBlocked, notPrincipal, otherPrincipal, otherAction *statementResult
	for i := range results {
		r := &results[i]
		if r.statement.Effect != "Allow" {
			continue
		}

		switch {
		case r.actionMatches && r.principal == principalMatches:
			// Of several, the one with the fewest failing conditions is the
			// easiest to fix.
			if conditionBlocked == nil || len(r.failures) < len(conditionBlocked.failures) {
				conditionBlocked = r
			}
		case r.actionMatches && r.principal == principalNotExcluded:
			if notPrincipal == nil {
				notPrincipal = r
			}
		case r.actionMatches:
			// A statement that names some Federated principal is the likely
			// one, written for another account or cluster.
			if otherPrincipal == nil || (len(otherPrincipal.statement.federated()) == 0 && len(r.statement.federated()) > 0) {
				otherPrincipal = r
			}
		case r.principal == principalMatches:
			if otherAction == nil {
				otherAction = r
			}
		}
	}

	switch {
	case conditionBlocked != nil:
		return conditionVerdict(conditionBlocked, req)
	case notPrincipal != nil:
		return notPrincipalVerdict(notPrincipal, req)
	case otherPrincipal != nil:
		return principalVerdict(otherPrincipal, req)
	case otherAction != nil:
		return actionVerdict(otherAction, req)
	}

	return missingStatementVerdict(req, fmt.Sprintf("no Allow statement trusts the Federated principal %q for %s", req.ProviderARN, WebIdentityAction))
}

func conditionVerdict(r *statementResult, req TrustRequest) TrustVerdict {
	reasons := make([]string, len(r.failures))
	for i, f := range r.failures {
		reasons[i] = f.reason(req)
	}

	return TrustVerdict{
		Reason:    r.label() + ": " + strings.Join(reasons, "; "),
		Fix:       joinFixes(r.conditionFixes(req)),
		Statement: r.name(),
	}
}

func notPrincipalVerdict(r *statementResult, req TrustRequest) TrustVerdict {
	reason := fmt.Sprintf("%s allows everyone except its NotPrincipal, which this check does not count as trusting %q because it cannot tell what else NotPrincipal lets in", r.label(), req.ProviderARN)
	fix := fmt.Sprintf("replace the NotPrincipal of %s with \"Principal\": {\"Federated\": %s}", r.label(), jsonQuote(req.ProviderARN))

	return TrustVerdict{
		Reason:    reason,
		Fix:       joinFixes(append([]string{fix}, r.conditionFixes(req)...)),
		Statement: r.name(),
		Uncertain: true,
	}
}

func principalVerdict(r *statementResult, req TrustRequest) TrustVerdict {
	federated := r.statement.federated()

	var reason, fix string
	switch {
	case r.statement.NotPrincipal != nil:
		reason = fmt.Sprintf("%s has a NotPrincipal that covers %q, so it excludes this request", r.label(), req.ProviderARN)
		fix = fmt.Sprintf("replace the NotPrincipal of %s with \"Principal\": {\"Federated\": %s}", r.label(), jsonQuote(req.ProviderARN))
	case len(federated) == 0:
		reason = fmt.Sprintf("%s trusts %s, but not the Federated principal %q", r.label(), describePrincipal(r.statement.Principal), req.ProviderARN)
		fix = fmt.Sprintf("add \"Federated\": %s to the Principal of %s", jsonQuote(req.ProviderARN), r.label())
	case len(federated) == 1:
		reason = fmt.Sprintf("%s trusts the Federated principal %q, not %q", r.label(), federated[0], req.ProviderARN)
		if detail := describeProviderMismatch(federated[0], req.ProviderARN); detail != "" {
			reason += ": " + detail
		}
		fix = fmt.Sprintf("change the Federated principal of %s to %q", r.label(), req.ProviderARN)
	default:
		reason = fmt.Sprintf("%s trusts the Federated principals %s, not %q", r.label(), quoteList(federated), req.ProviderARN)
		fix = fmt.Sprintf("add %q to the Federated principals of %s", req.ProviderARN, r.label())
	}

	return TrustVerdict{
		Reason:    reason,
		Fix:       joinFixes(append([]string{fix}, r.conditionFixes(req)...)),
		Statement: r.name(),
	}
}

func actionVerdict(r *statementResult, req TrustRequest) TrustVerdict {
	s := r.statement
	var reason, fix string
	if s.NotAction != nil {
		reason = fmt.Sprintf("%s trusts %s, but its NotAction %s excludes %s", r.label(), describeTrust(s, req), quoteList(s.NotAction), WebIdentityAction)
		fix = fmt.Sprintf("remove the NotAction entries that match %s from %s", WebIdentityAction, r.label())
	} else {
		reason = fmt.Sprintf("%s trusts %s, but its Action %s does not cover %s", r.label(), describeTrust(s, req), quoteValues(s.Action), WebIdentityAction)
		fix = fmt.Sprintf("add %q to the Action of %s", WebIdentityAction, r.label())
		if len(s.Action) == 1 {
			fix = fmt.Sprintf("change the Action of %s to %q", r.label(), WebIdentityAction)
		}
	}

	return TrustVerdict{
		Reason:    reason,
		Fix:       joinFixes(append([]string{fix}, r.conditionFixes(req)...)),
		Statement: r.name(),
	}
}

// missingStatementVerdict proposes a whole statement, for policies with no
// statement close to allowing the request.
func missingStatementVerdict(req TrustRequest, reason string) TrustVerdict {
	return TrustVerdict{
		Reason: reason,
		Fix:    "add this statement to the trust policy: " + suggestedStatement(req),
	}
}

// conditionFixes returns a fix for each failing condition of the statement.
func (r *statementResult) conditionFixes(req TrustRequest) []string {
	fixes := make([]string, 0, len(r.failures))
	for _, f := range r.failures {
		fixes = append(fixes, f.fix(r.label(), req))
	}

	return fixes
}

func joinFixes(fixes []string) string {
	return strings.Join(fixes, "; ")
}

// federated returns the statement's Federated principals.
func (s *Statement) federated() []string {
	if s.Principal == nil {
		return nil
	}

	return s.Principal.Types["Federated"]
}

// describeTrust names whom the statement trusts, for a statement whose
// principal covers the request.
func describeTrust(s *Statement, req TrustRequest) string {
	if s.Principal != nil && !s.Principal.includesFederated(req.ProviderARN) {
		return "every principal"
	}

	return strconv.Quote(req.ProviderARN)
}

func (p *Principal) includesFederated(providerARN string) bool {
	for _, value := range p.Types["Federated"] {
		if value == providerARN {
			return true
		}
	}

	return false
}

// describePrincipal lists a Principal element for a message, such as
// `Service "ec2.amazonaws.com"`, with types in a fixed order.
func describePrincipal(p *Principal) string {
	if p == nil {
		return "no principal"
	}

	var parts []string
	for _, principalType := range sortedKeys(p.Types) {
		parts = append(parts, principalType+" "+quoteList(p.Types[principalType]))
	}

	if len(parts) == 0 {
		return "no principal"
	}

	return strings.Join(parts, " and ")
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	return keys
}

// describeProviderMismatch explains how the OIDC provider ARN named differs
// from the one expected, or returns "" when named is not an OIDC provider
// ARN.
func describeProviderMismatch(named, expected string) string {
	namedURL, expectedURL := URLFromARN(named), URLFromARN(expected)
	if namedURL == "" || expectedURL == "" {
		return ""
	}

	namedAccount, expectedAccount := AccountFromARN(named), AccountFromARN(expected)
	sameAccount := namedAccount == expectedAccount && partitionFromARN(named) == partitionFromARN(expected)

	switch {
	case sameAccount && strings.EqualFold(namedURL, expectedURL):
		return "the provider URLs differ only in letter case, and STS compares them exactly"
	case sameAccount:
		return fmt.Sprintf("it names the issuer %s, but the service account's tokens come from %s", namedURL, expectedURL)
	case namedURL == expectedURL:
		return fmt.Sprintf("the provider is in account %s, but STS looks for it in the role's account %s, which needs its own provider for this issuer", namedAccount, expectedAccount)
	}

	return fmt.Sprintf("it names another account (%s, not %s) and another issuer (%s, not %s)", namedAccount, expectedAccount, namedURL, expectedURL)
}

func partitionFromARN(arn string) string {
	fields := strings.SplitN(arn, ":", 3)
	if len(fields) < 3 {
		return ""
	}

	return fields[1]
}

// suggestedStatement returns the JSON of a statement that allows req, with
// the same shape as the statements that eksctl writes.
func suggestedStatement(req TrustRequest) string {
	var b strings.Builder
	b.WriteString(`{"Effect":"Allow","Principal":{"Federated":`)
	b.WriteString(jsonQuote(req.ProviderARN))
	b.WriteString(`},"Action":"` + WebIdentityAction + `","Condition":{"StringEquals":{`)
	b.WriteString(jsonQuote(req.ProviderURL+":sub") + ":" + jsonQuote(req.Subject))
	if req.Audience != "" {
		b.WriteString("," + jsonQuote(req.ProviderURL+":aud") + ":" + jsonQuote(req.Audience))
	}
	b.WriteString("}}}")

	return b.String()
}

// jsonQuote returns s as a JSON string, without escaping HTML characters.
func jsonQuote(s string) string {
	var buf bytes.Buffer
	encoder := json.NewEncoder(&buf)
	encoder.SetEscapeHTML(false)
	// Encode returns no error for a string, because invalid UTF-8 is
	// replaced rather than rejected.
	_ = encoder.Encode(s)

	return strings.TrimSuffix(buf.String(), "\n")
}
