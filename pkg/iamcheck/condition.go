package iamcheck

import (
	"fmt"
	"strconv"
	"strings"
)

// setQualifier is the "ForAnyValue:" or "ForAllValues:" prefix of a
// condition operator.
type setQualifier int

const (
	noQualifier setQualifier = iota
	forAnyValue
	forAllValues
)

// operator is a parsed condition operator such as
// "ForAnyValue:StringLikeIfExists".
type operator struct {
	// base is the canonical IAM name without prefix or suffix, such as
	// "StringLike".
	base     string
	set      setQualifier
	ifExists bool
}

// baseOperators maps the lowercase names of IAM's condition operators to
// their canonical names. Names are matched without regard to case. IAM
// validates a document before GetRole can return it, so a name whose case IAM
// would reject never reaches this code.
var baseOperators = func() map[string]string {
	names := []string{
		"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
		"StringLike", "StringNotLike",
		"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
		"NumericGreaterThan", "NumericGreaterThanEquals",
		"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals",
		"DateGreaterThan", "DateGreaterThanEquals",
		"Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
		"ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike",
		"Null",
	}
	m := make(map[string]string, len(names))
	for _, name := range names {
		m[strings.ToLower(name)] = name
	}

	return m
}()

// parseOperator parses a condition operator name. It returns false for a
// name that is not an IAM operator, including "Null" with a set qualifier or
// the IfExists suffix.
func parseOperator(name string) (operator, bool) {
	var op operator
	rest := name
	if prefix, after, ok := strings.Cut(rest, ":"); ok {
		switch strings.ToLower(prefix) {
		case "foranyvalue":
			op.set = forAnyValue
		case "forallvalues":
			op.set = forAllValues
		default:
			return op, false
		}
		rest = after
	}

	const suffix = "ifexists"
	if len(rest) > len(suffix) && strings.EqualFold(rest[len(rest)-len(suffix):], suffix) {
		op.ifExists = true
		rest = rest[:len(rest)-len(suffix)]
	}

	base, ok := baseOperators[strings.ToLower(rest)]
	if !ok {
		return op, false
	}
	op.base = base

	if base == "Null" && (op.set != noQualifier || op.ifExists) {
		return op, false
	}

	return op, true
}

// negated reports whether the operator matches when the values differ.
func (op operator) negated() bool {
	switch op.base {
	case "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike",
		"NumericNotEquals", "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike":
		return true
	}

	return false
}

// compare reports whether the request value matches one policy value. A
// negated operator compares like its positive form, so StringNotLike
// compares like StringLike, and the caller applies the negation. ok is false
// for the operator families that this check does not evaluate.
func (op operator) compare(policyValue, requestValue string) (matched, ok bool) {
	switch op.base {
	case "StringEquals", "StringNotEquals":
		return policyValue == requestValue, true
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		return strings.EqualFold(policyValue, requestValue), true
	case "StringLike", "StringNotLike":
		// NOTE: policy variables such as ${aws:username} are not
		// substituted, so they match only their literal text.
		return matchWildcard(policyValue, requestValue), true
	}

	return false, false
}

// conditionFailure is a condition that is false for the request, or that
// this check cannot evaluate.
type conditionFailure struct {
	condition Condition
	op        operator
	// value and present are the request's value for the condition's key.
	value   string
	present bool
	// problem is the reason that the condition cannot be evaluated. It is
	// empty when the condition was evaluated and is false.
	problem string
}

// contextValue returns the request's value for a condition key. Only
// "<ProviderURL>:sub" and "<ProviderURL>:aud" are known, and key names are
// compared without regard to case, as IAM does. Every other key is absent.
//
// NOTE: STS also sets keys such as aws:SourceIp and "<ProviderURL>:amr" for
// some requests. This check cannot see their values, so a condition on them
// is evaluated as if the key were absent.
func (req TrustRequest) contextValue(key string) (string, bool) {
	i := strings.LastIndex(key, ":")
	if i < 0 || !strings.EqualFold(key[:i], req.ProviderURL) {
		return "", false
	}

	switch strings.ToLower(key[i+1:]) {
	case "sub":
		return req.Subject, req.Subject != ""
	case "aud":
		return req.Audience, req.Audience != ""
	}

	return "", false
}

// evaluateCondition reports whether c is true for req, and when it is not,
// returns the failure to report.
//
// A condition on a key that the request lacks is false, with these
// exceptions from the IAM User Guide ("IAM JSON policy elements: Condition
// operators" and "Single-valued vs. multivalued context keys"): a negated
// operator such as StringNotEquals is true, an operator with the IfExists
// suffix is true, ForAllValues is true, and Null tests for the key itself.
// Several values for one key match when any one matches, and a negated
// operator is true only when none matches. sub and aud have one value each,
// so ForAnyValue and ForAllValues compare that one value.
//
// NOTE: ForAnyValue on an absent key is false here even with a negated
// operator, because there is no request value to compare. That follows from
// the set semantics, and the AWS pages above do not state it.
func evaluateCondition(c Condition, req TrustRequest) (conditionFailure, bool) {
	failure := conditionFailure{condition: c}
	failure.value, failure.present = req.contextValue(c.Key)

	op, ok := parseOperator(c.Operator)
	if !ok {
		failure.problem = fmt.Sprintf("condition operator %q is not an IAM operator, so this check treats the statement as not matching", c.Operator)
		return failure, false
	}
	failure.op = op

	if op.base == "Null" {
		return evaluateNull(failure)
	}

	if !failure.present {
		switch {
		case op.ifExists, op.set == forAllValues:
			return failure, true
		case op.set == forAnyValue:
			return failure, false
		}

		return failure, op.negated()
	}

	matched := false
	for _, policyValue := range c.Values {
		m, ok := op.compare(policyValue, failure.value)
		if !ok {
			failure.problem = fmt.Sprintf("this check does not evaluate %s on %s, so it treats the statement as not matching", c.Operator, c.Key)
			return failure, false
		}
		if m {
			matched = true
			break
		}
	}

	return failure, matched != op.negated()
}

// evaluateNull evaluates a Null condition: "true" requires the key to be
// absent and "false" requires it to be present.
func evaluateNull(failure conditionFailure) (conditionFailure, bool) {
	for _, v := range failure.condition.Values {
		switch strings.ToLower(v) {
		case "true":
			if !failure.present {
				return failure, true
			}
		case "false":
			if failure.present {
				return failure, true
			}
		default:
			failure.problem = fmt.Sprintf("condition Null on %s has the value %q, expected \"true\" or \"false\"", failure.condition.Key, v)
			return failure, false
		}
	}

	return failure, false
}

// claim returns the claim name at the end of a condition key, such as "sub".
func claim(key string) string {
	return strings.ToLower(key[strings.LastIndex(key, ":")+1:])
}

// reason describes the failure as a clause that follows a statement label.
func (f conditionFailure) reason(req TrustRequest) string {
	c := f.condition
	switch {
	case f.problem != "":
		return f.problem
	case f.op.base == "Null" && f.present:
		return fmt.Sprintf("condition Null %s is \"true\", so the key must be absent, but the token's %s is %q", c.Key, claim(c.Key), f.value)
	case f.op.base == "Null":
		return fmt.Sprintf("condition Null %s is \"false\", so the key must be present, but the request has no such key", c.Key)
	case !f.present && f.isOtherIssuerKey(req):
		return fmt.Sprintf("condition %s %s names a key that the request does not have, because the request's keys start with %q", c.Operator, c.Key, req.ProviderURL+":")
	case !f.present:
		return fmt.Sprintf("condition %s %s needs a key that this check treats as absent, because it evaluates only %q and %q", c.Operator, c.Key, req.ProviderURL+":sub", req.ProviderURL+":aud")
	case f.op.negated():
		return fmt.Sprintf("condition %s %s excludes %s, the token's %s is %q", c.Operator, c.Key, quoteValues(c.Values), claim(c.Key), f.value)
	}

	return fmt.Sprintf("condition %s %s is %s, the token's %s is %q", c.Operator, c.Key, quoteValues(c.Values), claim(c.Key), f.value)
}

// isOtherIssuerKey reports whether the condition's key is a sub or aud key
// of another provider URL, the usual sign of a policy written for another
// cluster.
func (f conditionFailure) isOtherIssuerKey(req TrustRequest) bool {
	key := f.condition.Key
	i := strings.LastIndex(key, ":")
	if i <= 0 || strings.EqualFold(key[:i], req.ProviderURL) {
		return false
	}

	name := claim(key)

	return (name == "sub" && req.Subject != "") || (name == "aud" && req.Audience != "")
}

// fix returns the change to the statement labelled label that makes the
// condition true.
func (f conditionFailure) fix(label string, req TrustRequest) string {
	c := f.condition
	switch {
	case f.problem != "" && f.op.base == "":
		return fmt.Sprintf("replace the condition operator %q in %s with an IAM operator such as StringEquals", c.Operator, label)
	case f.problem != "" && f.op.base == "Null":
		return fmt.Sprintf("set the Null value of %s in %s to \"true\" or \"false\"", c.Key, label)
	case f.problem != "":
		return fmt.Sprintf("replace the %s condition on %s in %s with StringEquals or StringLike", c.Operator, c.Key, label)
	case f.op.base == "Null":
		return fmt.Sprintf("remove the Null condition on %s from %s", c.Key, label)
	case !f.present && f.isOtherIssuerKey(req):
		return f.renameFix(label, req)
	case !f.present:
		return fmt.Sprintf("remove the %s condition on %s from %s", c.Operator, c.Key, label)
	case f.op.negated():
		return f.negatedFix(label)
	case len(c.Values) == 1 && claim(c.Key) != "sub":
		return fmt.Sprintf("change the %s value of %s in %s to %q", c.Operator, c.Key, label, f.value)
	}
	// A sub value names one service account, and other service accounts may
	// share the role, so the fix adds a value instead of replacing it.

	return fmt.Sprintf("add %q to the %s values of %s in %s", f.value, c.Operator, c.Key, label)
}

// renameFix moves a condition from another provider's key to the request's
// key, and also changes its value when the value would still not match.
func (f conditionFailure) renameFix(label string, req TrustRequest) string {
	c := f.condition
	renamed := c
	renamed.Key = req.ProviderURL + ":" + claim(c.Key)
	rename := fmt.Sprintf("change the key %s in %s to %s", c.Key, label, renamed.Key)

	next, holds := evaluateCondition(renamed, req)
	if holds || !next.present {
		return rename
	}

	return rename + ", then " + next.fix(label, req)
}

// negatedFix removes the values that a negated operator matched.
func (f conditionFailure) negatedFix(label string) string {
	c := f.condition
	var matching []string
	for _, v := range c.Values {
		if m, _ := f.op.compare(v, f.value); m {
			matching = append(matching, v)
		}
	}

	if len(matching) == len(c.Values) {
		return fmt.Sprintf("remove the %s condition on %s from %s", c.Operator, c.Key, label)
	}

	return fmt.Sprintf("remove %s from the %s values of %s in %s", quoteList(matching), c.Operator, c.Key, label)
}

// quoteValues formats policy values for a message: `"a"` or
// `one of "a", "b"`.
func quoteValues(values []string) string {
	switch len(values) {
	case 0:
		return "an empty list"
	case 1:
		return strconv.Quote(values[0])
	}

	return "one of " + quoteList(values)
}

func quoteList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = strconv.Quote(v)
	}

	return strings.Join(quoted, ", ")
}
