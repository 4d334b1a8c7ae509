package iamcheck

import "strings"

// Evaluate decides whether the policy lets req call
// sts:AssumeRoleWithWebIdentity, the way IAM evaluates a role trust policy.
// The request is allowed when some Allow statement matches and no Deny
// statement matches. A statement matches when its action, its principal and
// every condition match. When the request is denied, the verdict explains
// the closest statement. In order of preference, that is an Allow statement
// whose only problem is a condition, then one that trusts another principal,
// then one with another action.
func (p *Policy) Evaluate(req TrustRequest) TrustVerdict {
	if p == nil || len(p.Statements) == 0 {
		return missingStatementVerdict(req, "the trust policy has no statements")
	}

	results := make([]statementResult, len(p.Statements))
	for i := range p.Statements {
		results[i] = evaluateStatement(&p.Statements[i], i, req)
	}

	for i := range results {
		if r := &results[i]; r.statement.Effect == "Deny" && r.matches() {
			return denyVerdict(r, req)
		}
	}

	for i := range results {
		if r := &results[i]; r.statement.Effect == "Allow" && r.matches() {
			return allowVerdict(r, results, req)
		}
	}

	return explainDenial(results, req)
}

// principalMatch is the relation between a statement's Principal or
// NotPrincipal and the request's Federated principal.
type principalMatch int

const (
	principalMismatch principalMatch = iota
	principalMatches
	// principalNotExcluded marks a NotPrincipal that does not name the
	// request's provider. IAM would apply the statement, but this check only
	// applies it when it is a Deny, so that NotPrincipal never makes a
	// request look allowed.
	principalNotExcluded
)

// statementResult is the evaluation of one statement for one request.
type statementResult struct {
	statement     *Statement
	index         int
	actionMatches bool
	principal     principalMatch
	// failures are the conditions that are false or cannot be evaluated.
	failures []conditionFailure
}

// matches reports whether the statement applies to the request. An Allow
// with a NotPrincipal never applies here (see principalNotExcluded).
func (r *statementResult) matches() bool {
	if !r.actionMatches || len(r.failures) > 0 {
		return false
	}

	switch r.principal {
	case principalMatches:
		return true
	case principalNotExcluded:
		return r.statement.Effect == "Deny"
	}

	return false
}

func (r *statementResult) label() string {
	return r.statement.label(r.index)
}

func (r *statementResult) name() string {
	return r.statement.name(r.index)
}

// undecided reports whether the statement failed only on conditions that
// could not be evaluated. A condition that evaluated to false settles the
// statement, since all conditions must be true.
func (r *statementResult) undecided() bool {
	for _, f := range r.failures {
		if f.problem == "" {
			return false
		}
	}

	return len(r.failures) > 0
}

func evaluateStatement(s *Statement, index int, req TrustRequest) statementResult {
	result := statementResult{statement: s, index: index}

	if s.NotAction != nil {
		result.actionMatches = !matchesAnyAction(s.NotAction)
	} else {
		result.actionMatches = matchesAnyAction(s.Action)
	}

	if s.NotPrincipal != nil {
		if s.NotPrincipal.includes(req.ProviderARN) {
			result.principal = principalMismatch
		} else {
			result.principal = principalNotExcluded
		}
	} else if s.Principal.includes(req.ProviderARN) {
		result.principal = principalMatches
	}

	for _, c := range s.Conditions {
		if f, ok := evaluateCondition(c, req); !ok {
			result.failures = append(result.failures, f)
		}
	}

	return result
}

// matchesAnyAction reports whether one of patterns matches WebIdentityAction.
// IAM compares actions without regard to case and supports "*" and "?".
func matchesAnyAction(patterns []string) bool {
	action := strings.ToLower(WebIdentityAction)
	for _, pattern := range patterns {
		if matchWildcard(strings.ToLower(pattern), action) {
			return true
		}
	}

	return false
}

// includes reports whether the principal covers the web identity session of
// providerARN. That is the case for the bare "*", for {"AWS": "*"} and for a
// Federated value equal to providerARN. The Amazon S3 User Guide's page on
// the Principal element documents {"AWS": "*"} as equal to "*".
//
// Federated values are compared exactly. IAM ARNs have lowercase partition,
// service and resource type, and STS matches the provider URL in the ARN
// exactly, so a value that differs only in case names another provider.
func (p *Principal) includes(providerARN string) bool {
	if p == nil {
		return false
	}

	if p.All {
		return true
	}

	for _, value := range p.Types["AWS"] {
		if value == "*" {
			return true
		}
	}

	for _, value := range p.Types["Federated"] {
		if value == providerARN {
			return true
		}
	}

	return false
}

// matchWildcard reports whether s matches pattern, where "*" matches any run
// of characters, including none, and "?" matches exactly one character.
// Every other character, including regular expression syntax, matches only
// itself. Callers fold case first when the comparison ignores it.
func matchWildcard(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	pi, ti := 0, 0
	// star is the index in p of the last "*" seen, and starText the index in
	// t where that "*" began matching. On a mismatch the "*" takes one more
	// character and matching resumes after it.
	star, starText := -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, starText = pi, ti
			pi++
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case star >= 0:
			starText++
			pi, ti = star+1, starText
		default:
			return false
		}
	}

	for pi < len(p) && p[pi] == '*' {
		pi++
	}

	return pi == len(p)
}
