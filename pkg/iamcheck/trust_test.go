package iamcheck_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/iamcheck"
)

const (
	trustURL = "oidc.eks.us-west-2.amazonaws.com/id/ABC123"
	trustARN = "arn:aws:iam::111122223333:oidc-provider/" + trustURL
	// crossAccountARN names the same issuer in another account.
	crossAccountARN = "arn:aws:iam::999988887777:oidc-provider/" + trustURL
	// oldURL is the issuer of another cluster in the same account.
	oldURL    = "oidc.eks.eu-west-1.amazonaws.com/id/OLD999"
	oldARN    = "arn:aws:iam::111122223333:oidc-provider/" + oldURL
	trustSub  = "system:serviceaccount:payments:app"
	trustAud  = "sts.amazonaws.com"
	webAction = "sts:AssumeRoleWithWebIdentity"
	subKey    = trustURL + ":sub"
	audKey    = trustURL + ":aud"
)

func trustRequest() iamcheck.TrustRequest {
	return iamcheck.TrustRequest{
		ProviderARN: trustARN,
		ProviderURL: trustURL,
		Subject:     iamcheck.Subject("payments", "app"),
		Audience:    trustAud,
	}
}

// policyOf wraps statements, given as JSON objects, in a policy document.
func policyOf(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// statement returns the JSON of an Allow statement for sts:AssumeRoleWithWebIdentity
// that trusts federated and has the given Condition element (omitted when empty).
func statement(sid, federated, condition string) string {
	s := `{"Effect":"Allow","Principal":{"Federated":"` + federated + `"},"Action":"` + webAction + `"`
	if sid != "" {
		s += `,"Sid":"` + sid + `"`
	}
	if condition != "" {
		s += `,"Condition":` + condition
	}

	return s + "}"
}

// eksctlStatement is the statement that eksctl writes for one service account.
func eksctlStatement(sid, sub string) string {
	return statement(sid, trustARN, `{"StringEquals":{"`+subKey+`":"`+sub+`","`+audKey+`":"`+trustAud+`"}}`)
}

// condition returns a Condition element with one operator and key.
func condition(operator, key, values string) string {
	return `{"` + operator + `":{"` + key + `":` + values + `}}`
}

func TestSubject(t *testing.T) {
	if got := iamcheck.Subject("payments", "app"); got != trustSub {
		t.Errorf("Subject(payments, app) = %q, want %q", got, trustSub)
	}
}

type evaluateCase struct {
	name     string
	document string
	// request replaces trustRequest() when set.
	request     *iamcheck.TrustRequest
	wantAllowed bool
	// wantReason and wantFix are substrings that the verdict must contain.
	wantReason []string
	wantFix    []string
	// wantReasonAbsent are substrings that the reason must not contain.
	wantReasonAbsent []string
	wantStatement    string
}

func TestEvaluate(t *testing.T) {
	tests := []evaluateCase{
		{
			name:          "eksctl policy",
			document:      policyOf(eksctlStatement("", trustSub)),
			wantAllowed:   true,
			wantReason:    []string{`statement 1 allows sts:AssumeRoleWithWebIdentity for "system:serviceaccount:payments:app"`},
			wantStatement: "statement 1",
		},
		{
			name:        "sub names another namespace",
			document:    policyOf(eksctlStatement("AllowApp", "system:serviceaccount:other:app")),
			wantAllowed: false,
			wantReason: []string{`statement "AllowApp": condition StringEquals ` + subKey +
				` is "system:serviceaccount:other:app", the token's sub is "system:serviceaccount:payments:app"`},
			wantFix:       []string{`add "system:serviceaccount:payments:app" to the StringEquals values of ` + subKey + ` in statement "AllowApp"`},
			wantStatement: "AllowApp",
		},
		{
			name:        "StringLike namespace wildcard",
			document:    policyOf(statement("", trustARN, condition("StringLike", subKey, `"system:serviceaccount:payments:*"`))),
			wantAllowed: true,
		},
		{
			name:        "StringLike single character wildcard",
			document:    policyOf(statement("", trustARN, condition("StringLike", subKey, `"system:serviceaccount:pay?ents:app"`))),
			wantAllowed: true,
		},
		{
			name:        "StringLike not matching",
			document:    policyOf(statement("", trustARN, condition("StringLike", subKey, `"system:serviceaccount:billing:*"`))),
			wantAllowed: false,
			wantReason:  []string{`condition StringLike ` + subKey + ` is "system:serviceaccount:billing:*"`},
			wantFix:     []string{`add "system:serviceaccount:payments:app" to the StringLike values of ` + subKey + ` in statement 1`},
		},
		{
			name:        "StringLike dot is literal",
			document:    policyOf(statement("", trustARN, condition("StringLike", subKey, `"system:serviceaccount:payments:a.p"`))),
			wantAllowed: false,
		},
		{
			name:        "aud condition wrong",
			document:    policyOf(statement("", trustARN, condition("StringEquals", audKey, `"sts.example.com"`))),
			wantAllowed: false,
			wantReason:  []string{`the token's aud is "sts.amazonaws.com"`},
			wantFix:     []string{`change the StringEquals value of ` + audKey + ` in statement 1 to "sts.amazonaws.com"`},
		},
		{
			name:        "aud missing from policy",
			document:    policyOf(statement("", trustARN, condition("StringEquals", subKey, `"`+trustSub+`"`))),
			wantAllowed: true,
		},
		{
			name:        "several values are alternatives",
			document:    policyOf(statement("", trustARN, condition("StringEquals", subKey, `["system:serviceaccount:other:app","`+trustSub+`"]`))),
			wantAllowed: true,
		},
		{
			name:        "several values none matching",
			document:    policyOf(statement("", trustARN, condition("StringEquals", subKey, `["system:serviceaccount:a:app","system:serviceaccount:b:app"]`))),
			wantAllowed: false,
			wantReason:  []string{`is one of "system:serviceaccount:a:app", "system:serviceaccount:b:app"`},
			wantFix:     []string{`add "system:serviceaccount:payments:app" to the StringEquals values of ` + subKey},
		},
		{
			name:        "values are case-sensitive",
			document:    policyOf(statement("", trustARN, condition("StringEquals", subKey, `"SYSTEM:SERVICEACCOUNT:PAYMENTS:APP"`))),
			wantAllowed: false,
		},
		{
			name:        "StringEqualsIgnoreCase",
			document:    policyOf(statement("", trustARN, condition("StringEqualsIgnoreCase", subKey, `"SYSTEM:SERVICEACCOUNT:PAYMENTS:APP"`))),
			wantAllowed: true,
		},
		{
			name: "Deny with matching principal",
			document: policyOf(
				eksctlStatement("AllowApp", trustSub),
				`{"Sid":"DenyAll","Effect":"Deny","Principal":{"Federated":"`+trustARN+`"},"Action":"sts:*"}`,
			),
			wantAllowed:   false,
			wantReason:    []string{`statement "DenyAll" denies sts:AssumeRoleWithWebIdentity`, "explicit Deny overrides every Allow"},
			wantFix:       []string{`remove statement "DenyAll"`},
			wantStatement: "DenyAll",
		},
		{
			name: "Deny whose condition fails",
			document: policyOf(
				eksctlStatement("", trustSub),
				`{"Effect":"Deny","Principal":"*","Action":"*","Condition":`+condition("StringEquals", subKey, `"system:serviceaccount:other:app"`)+`}`,
			),
			wantAllowed: true,
		},
		{
			name:        "Federated principal in another account",
			document:    policyOf(statement("AllowApp", crossAccountARN, "")),
			wantAllowed: false,
			wantReason: []string{
				`statement "AllowApp" trusts the Federated principal "` + crossAccountARN + `", not "` + trustARN + `"`,
				"the provider is in account 999988887777, but STS looks for it in the role's account 111122223333",
			},
			wantFix:       []string{`change the Federated principal of statement "AllowApp" to "` + trustARN + `"`},
			wantStatement: "AllowApp",
		},
		{
			name: "Federated principal of another issuer",
			document: policyOf(statement("AllowApp", oldARN,
				`{"StringEquals":{"`+oldURL+`:sub":"system:serviceaccount:payments:app","`+oldURL+`:aud":"sts.amazonaws.com"}}`)),
			wantAllowed: false,
			wantReason:  []string{"it names the issuer " + oldURL + ", but the service account's tokens come from " + trustURL},
			wantFix: []string{
				`change the Federated principal of statement "AllowApp" to "` + trustARN + `"`,
				"change the key " + oldURL + `:sub in statement "AllowApp" to ` + subKey,
				"change the key " + oldURL + `:aud in statement "AllowApp" to ` + audKey,
			},
		},
		{
			name: "another issuer and a wrong sub",
			document: policyOf(statement("", oldARN,
				`{"StringEquals":{"`+oldURL+`:sub":"system:serviceaccount:other:app"}}`)),
			wantAllowed: false,
			wantFix: []string{
				"change the key " + oldURL + ":sub in statement 1 to " + subKey +
					", then add \"system:serviceaccount:payments:app\" to the StringEquals values of " + subKey + ` in statement 1`,
			},
		},
		{
			name:        "provider URL differs in case",
			document:    policyOf(statement("", "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/abc123", "")),
			wantAllowed: false,
			wantReason:  []string{"differ only in letter case"},
		},
		{
			name:        "Service principal only",
			document:    policyOf(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			wantAllowed: false,
			wantReason:  []string{`trusts Service "ec2.amazonaws.com", but not the Federated principal "` + trustARN + `"`},
			wantFix:     []string{`add "Federated": "` + trustARN + `" to the Principal of statement 1`},
		},
		{
			name:        "Action list with wildcard",
			document:    policyOf(`{"Effect":"Allow","Principal":{"Federated":"` + trustARN + `"},"Action":["sts:TagSession","sts:AssumeRole*"]}`),
			wantAllowed: true,
		},
		{
			name:        "Action sts:AssumeRole only",
			document:    policyOf(`{"Effect":"Allow","Principal":{"Federated":"` + trustARN + `"},"Action":"sts:AssumeRole"}`),
			wantAllowed: false,
			wantReason:  []string{`statement 1 trusts "` + trustARN + `", but its Action "sts:AssumeRole" does not cover sts:AssumeRoleWithWebIdentity`},
			wantFix:     []string{`change the Action of statement 1 to "sts:AssumeRoleWithWebIdentity"`},
		},
		{
			name:        "Action case-insensitive",
			document:    policyOf(`{"Effect":"Allow","Principal":{"Federated":"` + trustARN + `"},"Action":"STS:assumerolewithwebidentity"}`),
			wantAllowed: true,
		},
		{
			name:        "NotAction that excludes another action",
			document:    policyOf(`{"Effect":"Allow","Principal":{"Federated":"` + trustARN + `"},"NotAction":"sts:AssumeRole"}`),
			wantAllowed: true,
		},
		{
			name:        "NotAction that excludes the action",
			document:    policyOf(`{"Effect":"Allow","Principal":{"Federated":"` + trustARN + `"},"NotAction":["sts:*"]}`),
			wantAllowed: false,
			wantReason:  []string{`its NotAction "sts:*" excludes sts:AssumeRoleWithWebIdentity`},
		},
		{
			name: "condition keys in other case",
			document: policyOf(statement("", trustARN,
				`{"StringEquals":{"OIDC.EKS.US-WEST-2.AMAZONAWS.COM/ID/abc123:SUB":"`+trustSub+`","`+trustURL+`:Aud":"`+trustAud+`"}}`)),
			wantAllowed: true,
		},
		{
			name:        "operator in other case",
			document:    policyOf(statement("", trustARN, condition("stringequals", subKey, `"`+trustSub+`"`))),
			wantAllowed: true,
		},
		{
			name:        "Statement as object",
			document:    `{"Version":"2012-10-17","Statement":` + eksctlStatement("", trustSub) + `}`,
			wantAllowed: true,
		},
		{
			name:        "Statement as list",
			document:    `{"Version":"2012-10-17","Statement":[` + eksctlStatement("", trustSub) + `]}`,
			wantAllowed: true,
		},
		{
			name:        "Federated as list",
			document:    policyOf(`{"Effect":"Allow","Principal":{"Federated":["` + oldARN + `","` + trustARN + `"]},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			wantAllowed: true,
		},
		{
			name:        "Federated list without the provider",
			document:    policyOf(`{"Effect":"Allow","Principal":{"Federated":["` + oldARN + `","` + crossAccountARN + `"]},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			wantAllowed: false,
			wantFix:     []string{`add "` + trustARN + `" to the Federated principals of statement 1`},
		},
		{
			name:        "Principal wildcard",
			document:    policyOf(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRoleWithWebIdentity","Condition":` + condition("StringEquals", subKey, `"`+trustSub+`"`) + `}`),
			wantAllowed: true,
		},
		{
			name:        "Principal AWS wildcard",
			document:    policyOf(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			wantAllowed: true,
		},
		{
			name:        "StringEqualsIfExists on absent key",
			document:    policyOf(statement("", trustARN, condition("StringEqualsIfExists", trustURL+":amr", `"authenticated"`))),
			wantAllowed: true,
		},
		{
			name:        "StringEqualsIfExists on present key",
			document:    policyOf(statement("", trustARN, condition("StringEqualsIfExists", subKey, `"system:serviceaccount:other:app"`))),
			wantAllowed: false,
		},
		{
			name:        "StringEquals on absent key",
			document:    policyOf(statement("", trustARN, condition("StringEquals", "aws:SourceIp", `"10.0.0.1"`))),
			wantAllowed: false,
			wantReason:  []string{"condition StringEquals aws:SourceIp needs a key that this check treats as absent"},
			wantFix:     []string{"remove the StringEquals condition on aws:SourceIp from statement 1"},
		},
		{
			name:        "ForAnyValue:StringLike",
			document:    policyOf(statement("", trustARN, condition("ForAnyValue:StringLike", subKey, `["system:serviceaccount:payments:*"]`))),
			wantAllowed: true,
		},
		{
			name:        "ForAnyValue:StringLike on absent key",
			document:    policyOf(statement("", trustARN, condition("ForAnyValue:StringLike", trustURL+":amr", `"*"`))),
			wantAllowed: false,
		},
		{
			name:        "ForAllValues:StringEquals",
			document:    policyOf(statement("", trustARN, condition("ForAllValues:StringEquals", audKey, `["sts.amazonaws.com","other"]`))),
			wantAllowed: true,
		},
		{
			name:        "ForAllValues:StringEquals not matching",
			document:    policyOf(statement("", trustARN, condition("ForAllValues:StringEquals", audKey, `["other"]`))),
			wantAllowed: false,
			wantFix:     []string{`change the ForAllValues:StringEquals value of ` + audKey + ` in statement 1 to "sts.amazonaws.com"`},
		},
		{
			name:        "ForAllValues:StringEquals on absent key",
			document:    policyOf(statement("", trustARN, condition("ForAllValues:StringEquals", trustURL+":amr", `["other"]`))),
			wantAllowed: true,
		},
		{
			name:        "StringNotEquals other value",
			document:    policyOf(statement("", trustARN, condition("StringNotEquals", subKey, `"system:serviceaccount:kube-system:default"`))),
			wantAllowed: true,
		},
		{
			name:        "StringNotEquals the token value",
			document:    policyOf(statement("", trustARN, condition("StringNotEquals", subKey, `"`+trustSub+`"`))),
			wantAllowed: false,
			wantReason:  []string{`condition StringNotEquals ` + subKey + ` excludes "system:serviceaccount:payments:app"`},
			wantFix:     []string{"remove the StringNotEquals condition on " + subKey + " from statement 1"},
		},
		{
			name:        "StringNotLike one of several values",
			document:    policyOf(statement("", trustARN, condition("StringNotLike", subKey, `["system:serviceaccount:kube-system:*","system:serviceaccount:payments:*"]`))),
			wantAllowed: false,
			wantFix:     []string{`remove "system:serviceaccount:payments:*" from the StringNotLike values of ` + subKey},
		},
		{
			name:        "StringNotEquals on absent key",
			document:    policyOf(statement("", trustARN, condition("StringNotEquals", "aws:SourceIp", `"10.0.0.1"`))),
			wantAllowed: true,
		},
		{
			name:        "Null false on present key",
			document:    policyOf(statement("", trustARN, condition("Null", subKey, `"false"`))),
			wantAllowed: true,
		},
		{
			name:        "Null true on present key",
			document:    policyOf(statement("", trustARN, condition("Null", subKey, `"true"`))),
			wantAllowed: false,
			wantReason:  []string{`condition Null ` + subKey + ` is "true", so the key must be absent`},
			wantFix:     []string{"remove the Null condition on " + subKey + " from statement 1"},
		},
		{
			name:        "Null true on absent key",
			document:    policyOf(statement("", trustARN, condition("Null", "aws:SourceIp", "true"))),
			wantAllowed: true,
		},
		{
			name:        "unknown operator",
			document:    policyOf(statement("AllowApp", trustARN, condition("StringEqualz", subKey, `"`+trustSub+`"`))),
			wantAllowed: false,
			wantReason:  []string{`statement "AllowApp": condition operator "StringEqualz" is not an IAM operator, so this check treats the statement as not matching`},
			wantFix:     []string{`replace the condition operator "StringEqualz" in statement "AllowApp"`},
		},
		{
			name:        "operator family not evaluated",
			document:    policyOf(statement("", trustARN, condition("NumericEquals", subKey, `1`))),
			wantAllowed: false,
			wantReason:  []string{"this check does not evaluate NumericEquals on " + subKey},
		},
		{
			name: "Deny with unknown operator",
			document: policyOf(
				eksctlStatement("", trustSub),
				`{"Sid":"DenyOdd","Effect":"Deny","Principal":"*","Action":"*","Condition":`+condition("StringEqualz", subKey, `"x"`)+`}`,
			),
			wantAllowed: true,
			wantReason:  []string{`Deny statement "DenyOdd" may still apply`},
		},
		{
			name: "Deny with unknown operator and a false condition",
			document: policyOf(
				eksctlStatement("", trustSub),
				`{"Sid":"DenyOther","Effect":"Deny","Principal":"*","Action":"*","Condition":{"StringEqualz":{"k":"x"},"StringEquals":{"`+subKey+`":"other"}}}`,
			),
			wantAllowed:      true,
			wantReason:       []string{`statement 1 allows sts:AssumeRoleWithWebIdentity for "system:serviceaccount:payments:app"`},
			wantReasonAbsent: []string{"may still apply"},
		},
		{
			name:        "Deny with NotPrincipal",
			document:    policyOf(eksctlStatement("", trustSub), `{"Sid":"DenyOthers","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"*"}`),
			wantAllowed: false,
			wantReason:  []string{"its NotPrincipal does not name"},
		},
		{
			name:        "Deny with NotPrincipal naming the provider",
			document:    policyOf(eksctlStatement("", trustSub), `{"Effect":"Deny","NotPrincipal":{"Federated":"`+trustARN+`"},"Action":"*"}`),
			wantAllowed: true,
		},
		{
			name:        "Allow with NotPrincipal",
			document:    policyOf(`{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			wantAllowed: false,
			wantReason:  []string{"which this check does not count as trusting"},
			wantFix:     []string{`replace the NotPrincipal of statement 1 with "Principal": {"Federated": "` + trustARN + `"}`},
		},
		{
			name:        "condition failure preferred over principal",
			document:    policyOf(statement("Other", crossAccountARN, ""), eksctlStatement("Close", "system:serviceaccount:other:app")),
			wantAllowed: false,
			wantReason:  []string{`statement "Close": condition StringEquals`},
		},
		{
			name:        "principal preferred over action",
			document:    policyOf(`{"Sid":"Action","Effect":"Allow","Principal":{"Federated":"`+trustARN+`"},"Action":"sts:AssumeRole"}`, statement("Principal", oldARN, "")),
			wantAllowed: false,
			wantReason:  []string{`statement "Principal" trusts the Federated principal`},
		},
		{
			name:        "boolean condition value",
			document:    policyOf(statement("", trustARN, condition("Bool", "aws:SecureTransport", "true"))),
			wantAllowed: false,
			wantReason:  []string{"condition Bool aws:SecureTransport needs a key"},
		},
		{
			name:        "no statements",
			document:    `{"Version":"2012-10-17","Statement":[]}`,
			wantAllowed: false,
			wantReason:  []string{"the trust policy has no statements"},
			wantFix:     []string{"add this statement to the trust policy: {"},
		},
		{
			name:        "EC2 role only",
			document:    policyOf(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`),
			wantAllowed: false,
			wantReason:  []string{`no Allow statement trusts the Federated principal "` + trustARN + `"`},
			wantFix:     []string{`{"Effect":"Allow","Principal":{"Federated":"` + trustARN + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + subKey + `":"` + trustSub + `","` + audKey + `":"` + trustAud + `"}}}`},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkEvaluate(t, tt)
		})
	}
}

func checkEvaluate(t *testing.T, tt evaluateCase) {
	t.Helper()

	policy, err := iamcheck.ParsePolicy(tt.document)
	if err != nil {
		t.Fatalf("ParsePolicy(%s) error: %v", tt.document, err)
	}

	req := trustRequest()
	if tt.request != nil {
		req = *tt.request
	}

	got := policy.Evaluate(req)
	if got.Allowed != tt.wantAllowed {
		t.Errorf("Evaluate(...).Allowed = %v, want %v (Reason %q)", got.Allowed, tt.wantAllowed, got.Reason)
	}
	if got.Reason == "" {
		t.Errorf("Evaluate(...).Reason is empty")
	}
	if got.Allowed && got.Fix != "" {
		t.Errorf("Evaluate(...).Fix = %q, want empty for an allowed request", got.Fix)
	}
	if !got.Allowed && got.Fix == "" {
		t.Errorf("Evaluate(...).Fix is empty for a denied request")
	}
	for _, want := range tt.wantReason {
		if !strings.Contains(got.Reason, want) {
			t.Errorf("Evaluate(...).Reason = %q, want it to contain %q", got.Reason, want)
		}
	}
	for _, unwanted := range tt.wantReasonAbsent {
		if strings.Contains(got.Reason, unwanted) {
			t.Errorf("Evaluate(...).Reason = %q, want it not to contain %q", got.Reason, unwanted)
		}
	}
	for _, want := range tt.wantFix {
		if !strings.Contains(got.Fix, want) {
			t.Errorf("Evaluate(...).Fix = %q, want it to contain %q", got.Fix, want)
		}
	}
	if tt.wantStatement != "" && got.Statement != tt.wantStatement {
		t.Errorf("Evaluate(...).Statement = %q, want %q", got.Statement, tt.wantStatement)
	}
}

// TestEvaluateSuggestedStatement checks that the statement proposed for a
// policy that trusts no principal allows the request once added.
func TestEvaluateSuggestedStatement(t *testing.T) {
	for _, audience := range []string{trustAud, ""} {
		t.Run("audience "+audience, func(t *testing.T) {
			req := trustRequest()
			req.Audience = audience

			policy, err := iamcheck.ParsePolicy(`{"Statement":[]}`)
			if err != nil {
				t.Fatalf("ParsePolicy error: %v", err)
			}
			verdict := policy.Evaluate(req)
			_, suggested, ok := strings.Cut(verdict.Fix, ": ")
			if !ok {
				t.Fatalf("Evaluate(...).Fix = %q, want a statement after a colon", verdict.Fix)
			}

			fixed, err := iamcheck.ParsePolicy(policyOf(suggested))
			if err != nil {
				t.Fatalf("ParsePolicy(suggested statement %s) error: %v", suggested, err)
			}
			if got := fixed.Evaluate(req); !got.Allowed {
				t.Errorf("Evaluate(policy with %s).Allowed = false, want true (Reason %q)", suggested, got.Reason)
			}
		})
	}
}

func TestEvaluateNilPolicy(t *testing.T) {
	var policy *iamcheck.Policy
	got := policy.Evaluate(trustRequest())
	if got.Allowed {
		t.Errorf("Evaluate on nil policy: Allowed = true, want false")
	}
	if got.Reason == "" {
		t.Errorf("Evaluate on nil policy: Reason is empty")
	}
}

func TestParsePolicyURLEncoded(t *testing.T) {
	plain := policyOf(eksctlStatement("AllowApp", trustSub))
	tests := []struct {
		name     string
		document string
	}{
		{name: "QueryEscape", document: url.QueryEscape(plain)},
		{name: "PathEscape", document: url.PathEscape(plain)},
		{name: "lowercase hex", document: strings.Replace(url.QueryEscape(plain), "%7B", "%7b", 1)},
		{name: "plain JSON with spaces", document: "\n  " + plain + "\n"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy, err := iamcheck.ParsePolicy(tt.document)
			if err != nil {
				t.Fatalf("ParsePolicy(%q) error: %v", tt.document, err)
			}
			if policy.Version != "2012-10-17" {
				t.Errorf("ParsePolicy(...).Version = %q, want %q", policy.Version, "2012-10-17")
			}
			if got := policy.Evaluate(trustRequest()); !got.Allowed {
				t.Errorf("Evaluate(...).Allowed = false, want true (Reason %q)", got.Reason)
			}
		})
	}
}

func TestParsePolicyConditionOrder(t *testing.T) {
	document := policyOf(statement("", trustARN,
		`{"StringLike":{"`+subKey+`":"a","`+audKey+`":"b"},"StringEquals":{"`+audKey+`":["c",true,7]}}`))
	policy, err := iamcheck.ParsePolicy(document)
	if err != nil {
		t.Fatalf("ParsePolicy error: %v", err)
	}

	want := []iamcheck.Condition{
		{Operator: "StringLike", Key: subKey, Values: []string{"a"}},
		{Operator: "StringLike", Key: audKey, Values: []string{"b"}},
		{Operator: "StringEquals", Key: audKey, Values: []string{"c", "true", "7"}},
	}
	got := policy.Statements[0].Conditions
	if len(got) != len(want) {
		t.Fatalf("ParsePolicy(...) conditions = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].Operator != want[i].Operator || got[i].Key != want[i].Key || strings.Join(got[i].Values, ",") != strings.Join(want[i].Values, ",") {
			t.Errorf("ParsePolicy(...) condition %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct {
		name     string
		document string
		wantErr  string
	}{
		{name: "empty", document: "  ", wantErr: "trust policy document is empty"},
		{name: "invalid JSON", document: `{"Statement": [}`, wantErr: "invalid trust policy JSON at byte 16"},
		{name: "trailing data", document: `{"Statement": []} x`, wantErr: "invalid trust policy JSON"},
		{name: "oversized", document: policyOf(eksctlStatement("", trustSub)) + strings.Repeat(" ", 128<<10), wantErr: "more than the maximum of 131072"},
		{name: "bad URL encoding", document: "%7B%ZZ", wantErr: "looks URL-encoded but cannot be decoded"},
		{name: "array document", document: `[]`, wantErr: "the document is a JSON array, expected an object"},
		{name: "missing Statement", document: `{"Version":"2012-10-17"}`, wantErr: "the Statement element is missing"},
		{name: "Statement string", document: `{"Statement":"x"}`, wantErr: "the Statement element must be an object or a list, not a JSON string"},
		{name: "statement not object", document: `{"Statement":[1]}`, wantErr: "statement 1: a statement must be a JSON object"},
		{name: "Version number", document: `{"Version":1,"Statement":[]}`, wantErr: "the Version element must be a string"},
		{name: "missing Effect", document: `{"Statement":{"Principal":"*","Action":"*"}}`, wantErr: "statement 1: the Effect element is missing"},
		{name: "lowercase Effect", document: `{"Statement":{"Sid":"S","Effect":"allow","Principal":"*","Action":"*"}}`, wantErr: `statement 1 (Sid "S"): the Effect is "allow", expected "Allow" or "Deny"`},
		{name: "no Action", document: `{"Statement":{"Effect":"Allow","Principal":"*"}}`, wantErr: "neither Action nor NotAction"},
		{name: "Action and NotAction", document: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","NotAction":"*"}}`, wantErr: "both Action and NotAction"},
		{name: "no Principal", document: `{"Statement":{"Effect":"Allow","Action":"*"}}`, wantErr: "neither Principal nor NotPrincipal"},
		{name: "Principal and NotPrincipal", document: `{"Statement":{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"*"}}`, wantErr: "both Principal and NotPrincipal"},
		{name: "Principal string", document: `{"Statement":{"Effect":"Allow","Principal":"arn:aws:iam::1:root","Action":"*"}}`, wantErr: `the Principal element is the string "arn:aws:iam::1:root"`},
		{name: "Federated number", document: `{"Statement":{"Effect":"Allow","Principal":{"Federated":5},"Action":"*"}}`, wantErr: "the Principal.Federated element must be a string or a list of strings, not a JSON number"},
		{name: "Action list of numbers", document: `{"Statement":{"Effect":"Allow","Principal":"*","Action":[1]}}`, wantErr: "the Action element must be a string or a list of strings"},
		{name: "Condition list", document: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":[]}}`, wantErr: "the Condition element must be an object"},
		{name: "Condition operator string", document: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":"x"}}}`, wantErr: "the Condition operator StringEquals must map to an object of keys"},
		{name: "Condition value null", document: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"k":null}}}}`, wantErr: "condition StringEquals on k: a condition value must be a string, number or boolean"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := iamcheck.ParsePolicy(tt.document)
			if err == nil {
				t.Fatalf("ParsePolicy(%.80q) error = nil, want %q", tt.document, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePolicy(%.80q) error = %q, want it to contain %q", tt.document, err, tt.wantErr)
			}
		})
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add(policyOf(eksctlStatement("AllowApp", trustSub)))
	f.Add(url.QueryEscape(policyOf(eksctlStatement("", "system:serviceaccount:other:*"))))
	f.Add(policyOf(statement("", oldARN, condition("ForAnyValue:StringNotLikeIfExists", subKey, `["a*?", 1, false]`))))
	f.Add(policyOf(`{"Effect":"Deny","NotPrincipal":{"AWS":"*"},"NotAction":"s?s:*","Condition":{"Null":{"x":"maybe"}}}`))
	f.Add(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"Foo:Bar":{"k":"v"}}}}`)
	f.Add(`{"Statement":[]}`)
	f.Add(`%7B%22Statement%22%3A%5B%5D%7D`)

	f.Fuzz(func(t *testing.T, document string) {
		policy, err := iamcheck.ParsePolicy(document)
		if err != nil {
			return
		}

		got := policy.Evaluate(trustRequest())
		if got.Reason == "" {
			t.Errorf("Evaluate(ParsePolicy(%q)).Reason is empty", document)
		}
		if got.Allowed != (got.Fix == "") {
			t.Errorf("Evaluate(ParsePolicy(%q)) = Allowed %v with Fix %q, want a Fix exactly when denied", document, got.Allowed, got.Fix)
		}
	})
}

func TestEvaluateUncertain(t *testing.T) {
	tests := []struct {
		name     string
		document string
		want     bool
	}{
		{
			name:     "Allow with NotPrincipal",
			document: policyOf(`{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			want:     true,
		},
		{
			name:     "wrong sub",
			document: policyOf(eksctlStatement("", "system:serviceaccount:other:app")),
			want:     false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy, err := iamcheck.ParsePolicy(tt.document)
			if err != nil {
				t.Fatal(err)
			}

			if got := policy.Evaluate(trustRequest()).Uncertain; got != tt.want {
				t.Errorf("Evaluate(%s).Uncertain = %t, want %t", tt.name, got, tt.want)
			}
		})
	}
}
