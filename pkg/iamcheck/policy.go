package iamcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// WebIdentityAction is the STS action that IRSA credentials come from.
const WebIdentityAction = "sts:AssumeRoleWithWebIdentity"

// maxPolicyDocumentSize is the maximum size in bytes of a document that
// ParsePolicy accepts. It guards against malformed input and is larger than
// IAM's own quota on trust policy length.
const maxPolicyDocumentSize = 128 << 10

// Subject returns the "sub" claim of the service account token for a service
// account: "system:serviceaccount:<namespace>:<name>".
func Subject(namespace, name string) string {
	return "system:serviceaccount:" + namespace + ":" + name
}

// TrustRequest is the input that STS evaluates for AssumeRoleWithWebIdentity
// from one service account.
type TrustRequest struct {
	// ProviderARN is the Federated principal that must be trusted.
	ProviderARN string
	// ProviderURL is the prefix of the condition keys, for example
	// "oidc.eks.us-west-2.amazonaws.com/id/ABC".
	ProviderURL string
	// Subject is the token's sub claim (see Subject).
	Subject string
	// Audience is the token's aud claim.
	Audience string
}

// TrustVerdict is the outcome of evaluating a trust policy for one request.
type TrustVerdict struct {
	Allowed bool
	// Reason is one sentence that names what blocks the request, or which
	// statement allows it.
	Reason string
	// Fix is the statement or condition change that would allow the request.
	// It is empty when Allowed is true.
	Fix string
	// Statement is the Sid, or "statement N" counting from 1, of the statement
	// that decided the verdict. It is empty when no statement comes close.
	Statement string
	// Uncertain is true when the evaluator could not decide, as for an
	// Allow statement with NotPrincipal; Allowed is then false.
	Uncertain bool
}

// Policy is a parsed IAM policy document.
type Policy struct {
	Version    string
	Statements []Statement
}

// Statement is one statement of a policy. String-or-list elements are
// stored as lists.
type Statement struct {
	Sid    string
	Effect string // "Allow" or "Deny"
	// Exactly one of Principal and NotPrincipal is set.
	Principal    *Principal
	NotPrincipal *Principal
	// Exactly one of Action and NotAction is non-nil.
	Action    []string
	NotAction []string
	// Conditions are in document order.
	Conditions []Condition
}

// Principal is the value of a Principal or NotPrincipal element.
type Principal struct {
	// All is true for the bare wildcard "*".
	All bool
	// Types maps a principal type ("AWS", "Federated", "Service",
	// "CanonicalUser") to its values.
	Types map[string][]string
}

// Condition is one key of one operator in a Condition element, such as
// {"StringEquals": {"<url>:sub": ["a", "b"]}}.
type Condition struct {
	// Operator is the condition operator as written, including any
	// "ForAnyValue:" or "ForAllValues:" prefix and "IfExists" suffix.
	Operator string
	Key      string
	// Values are the policy's values. JSON numbers and booleans are stored
	// in their JSON text form.
	Values []string
}

// ParsePolicy decodes a trust policy document as GetRole returns it: JSON
// that is URL-encoded when it starts with "%7B", or plain JSON. It rejects
// documents over 128 KiB and statements that IAM would not accept, such as
// one without Effect or with both Action and NotAction. Errors name the
// invalid element and the statement that contains it.
func ParsePolicy(document string) (*Policy, error) {
	if len(document) > maxPolicyDocumentSize {
		return nil, fmt.Errorf("trust policy document is %d bytes, more than the maximum of %d", len(document), maxPolicyDocumentSize)
	}

	text := strings.TrimSpace(document)
	if text == "" {
		return nil, errors.New("trust policy document is empty")
	}

	if len(text) >= 3 && strings.EqualFold(text[:3], "%7B") {
		decoded, err := url.QueryUnescape(text)
		if err != nil {
			return nil, fmt.Errorf("trust policy document looks URL-encoded but cannot be decoded: %w", err)
		}
		text = decoded
	}

	raw := []byte(text)
	if err := validateJSON(raw); err != nil {
		return nil, err
	}

	policy, err := parsePolicyObject(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid trust policy: %w", err)
	}

	return policy, nil
}

// validateJSON checks that raw is one JSON object, with an error that gives
// the byte offset of a syntax error.
func validateJSON(raw []byte) error {
	if !json.Valid(raw) {
		var value any
		err := json.Unmarshal(raw, &value)

		var syntaxErr *json.SyntaxError
		if errors.As(err, &syntaxErr) {
			return fmt.Errorf("invalid trust policy JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)
		}

		return fmt.Errorf("invalid trust policy JSON: %v", err)
	}

	if raw[0] != '{' {
		return fmt.Errorf("invalid trust policy: the document is a JSON %s, expected an object", jsonKind(raw))
	}

	return nil
}

func parsePolicyObject(raw []byte) (*Policy, error) {
	members, err := decodeObject(raw)
	if err != nil {
		return nil, err
	}

	policy := &Policy{}
	var statementRaw json.RawMessage
	for _, m := range members {
		switch m.name {
		case "Version":
			if err := json.Unmarshal(m.value, &policy.Version); err != nil {
				return nil, fmt.Errorf("the Version element must be a string, not a JSON %s", jsonKind(m.value))
			}
		case "Statement":
			statementRaw = m.value
		}
	}

	if statementRaw == nil {
		return nil, errors.New("the Statement element is missing")
	}

	var items []json.RawMessage
	switch statementRaw[0] {
	case '{':
		items = []json.RawMessage{statementRaw}
	case '[':
		if err := json.Unmarshal(statementRaw, &items); err != nil {
			return nil, fmt.Errorf("the Statement element: %v", err)
		}
	default:
		return nil, fmt.Errorf("the Statement element must be an object or a list, not a JSON %s", jsonKind(statementRaw))
	}

	for i, item := range items {
		statement, err := parseStatement(item)
		if err != nil && statement.Sid != "" {
			return nil, fmt.Errorf("statement %d (Sid %q): %w", i+1, statement.Sid, err)
		}
		if err != nil {
			return nil, fmt.Errorf("statement %d: %w", i+1, err)
		}
		policy.Statements = append(policy.Statements, statement)
	}

	return policy, nil
}

func parseStatement(raw json.RawMessage) (Statement, error) {
	var statement Statement
	if raw[0] != '{' {
		return statement, fmt.Errorf("a statement must be a JSON object, not a %s", jsonKind(raw))
	}

	members, err := decodeObject(raw)
	if err != nil {
		return statement, err
	}

	var hasEffect bool
	for _, m := range members {
		switch m.name {
		case "Sid":
			if err := json.Unmarshal(m.value, &statement.Sid); err != nil {
				return statement, fmt.Errorf("the Sid element must be a string, not a JSON %s", jsonKind(m.value))
			}
		case "Effect":
			hasEffect = true
			if err := json.Unmarshal(m.value, &statement.Effect); err != nil {
				return statement, fmt.Errorf("the Effect element must be a string, not a JSON %s", jsonKind(m.value))
			}
		case "Principal":
			statement.Principal, err = parsePrincipal("Principal", m.value)
		case "NotPrincipal":
			statement.NotPrincipal, err = parsePrincipal("NotPrincipal", m.value)
		case "Action":
			statement.Action, err = parseStringOrList("Action", m.value)
		case "NotAction":
			statement.NotAction, err = parseStringOrList("NotAction", m.value)
		case "Condition":
			statement.Conditions, err = parseConditions(m.value)
		}
		if err != nil {
			return statement, err
		}
	}

	return statement, validateStatement(statement, hasEffect)
}

func validateStatement(s Statement, hasEffect bool) error {
	switch {
	case !hasEffect:
		return errors.New("the Effect element is missing")
	case s.Effect != "Allow" && s.Effect != "Deny":
		return fmt.Errorf("the Effect is %q, expected \"Allow\" or \"Deny\"", s.Effect)
	case s.Action == nil && s.NotAction == nil:
		return errors.New("the statement has neither Action nor NotAction")
	case s.Action != nil && s.NotAction != nil:
		return errors.New("the statement has both Action and NotAction")
	case s.Principal == nil && s.NotPrincipal == nil:
		return errors.New("the statement has neither Principal nor NotPrincipal, but a trust policy statement needs one")
	case s.Principal != nil && s.NotPrincipal != nil:
		return errors.New("the statement has both Principal and NotPrincipal")
	}

	return nil
}

func parsePrincipal(element string, raw json.RawMessage) (*Principal, error) {
	switch raw[0] {
	case '"':
		var value string
		_ = json.Unmarshal(raw, &value)
		if value != "*" {
			return nil, fmt.Errorf("the %s element is the string %q, but the only string IAM accepts there is \"*\"", element, value)
		}

		return &Principal{All: true}, nil
	case '{':
	default:
		return nil, fmt.Errorf("the %s element must be \"*\" or an object, not a JSON %s", element, jsonKind(raw))
	}

	members, err := decodeObject(raw)
	if err != nil {
		return nil, err
	}

	principal := &Principal{Types: make(map[string][]string, len(members))}
	for _, m := range members {
		values, err := parseStringOrList(element+"."+m.name, m.value)
		if err != nil {
			return nil, err
		}
		principal.Types[m.name] = append(principal.Types[m.name], values...)
	}

	return principal, nil
}

// parseStringOrList decodes an element that IAM accepts as either one string
// or a list of strings. The result is non-nil, even for an empty list.
func parseStringOrList(element string, raw json.RawMessage) ([]string, error) {
	switch raw[0] {
	case '"':
		var value string
		_ = json.Unmarshal(raw, &value)

		return []string{value}, nil
	case '[':
		values := []string{}
		if err := json.Unmarshal(raw, &values); err != nil {
			return nil, fmt.Errorf("the %s element must be a string or a list of strings: %v", element, err)
		}

		return values, nil
	}

	return nil, fmt.Errorf("the %s element must be a string or a list of strings, not a JSON %s", element, jsonKind(raw))
}

func parseConditions(raw json.RawMessage) ([]Condition, error) {
	if raw[0] != '{' {
		return nil, fmt.Errorf("the Condition element must be an object, not a JSON %s", jsonKind(raw))
	}

	operators, err := decodeObject(raw)
	if err != nil {
		return nil, err
	}

	var conditions []Condition
	for _, op := range operators {
		if op.value[0] != '{' {
			return nil, fmt.Errorf("the Condition operator %s must map to an object of keys, not a JSON %s", op.name, jsonKind(op.value))
		}

		keys, err := decodeObject(op.value)
		if err != nil {
			return nil, err
		}

		for _, key := range keys {
			values, err := parseConditionValues(key.value)
			if err != nil {
				return nil, fmt.Errorf("condition %s on %s: %w", op.name, key.name, err)
			}
			conditions = append(conditions, Condition{Operator: op.name, Key: key.name, Values: values})
		}
	}

	return conditions, nil
}

// parseConditionValues decodes a condition value: a string, number or
// boolean, or a list of them. IAM accepts all three types, as in
// {"Bool": {"aws:SecureTransport": false}}.
func parseConditionValues(raw json.RawMessage) ([]string, error) {
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()

	var value any
	if err := decoder.Decode(&value); err != nil {
		return nil, err
	}

	list, isList := value.([]any)
	if !isList {
		list = []any{value}
	}

	values := make([]string, 0, len(list))
	for _, item := range list {
		switch v := item.(type) {
		case string:
			values = append(values, v)
		case json.Number:
			values = append(values, v.String())
		case bool:
			values = append(values, strconv.FormatBool(v))
		default:
			return nil, errors.New("a condition value must be a string, number or boolean, or a list of them")
		}
	}

	return values, nil
}

// member is one name and value of a JSON object.
type member struct {
	name  string
	value json.RawMessage
}

// decodeObject returns the members of the JSON object raw in document order,
// which encoding/json's maps would lose. The caller has checked that raw is
// valid JSON that starts with "{".
func decodeObject(raw json.RawMessage) ([]member, error) {
	decoder := json.NewDecoder(bytes.NewReader(raw))
	if _, err := decoder.Token(); err != nil {
		return nil, err
	}

	var members []member
	for decoder.More() {
		token, err := decoder.Token()
		if err != nil {
			return nil, err
		}

		name, ok := token.(string)
		if !ok {
			return nil, fmt.Errorf("unexpected JSON token %v where an object key belongs", token)
		}

		var value json.RawMessage
		if err := decoder.Decode(&value); err != nil {
			return nil, err
		}
		members = append(members, member{name: name, value: value})
	}

	return members, nil
}

// jsonKind names the JSON type of the valid JSON value raw, for messages.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "empty value"
	}

	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}

	return "number"
}

// label returns how messages name the statement at index: `statement "Sid"`,
// or "statement N" counting from 1 when it has no Sid.
func (s *Statement) label(index int) string {
	if s.Sid != "" {
		return "statement " + strconv.Quote(s.Sid)
	}

	return "statement " + strconv.Itoa(index+1)
}

// name returns the value of TrustVerdict.Statement for the statement at index.
func (s *Statement) name(index int) string {
	if s.Sid != "" {
		return s.Sid
	}

	return "statement " + strconv.Itoa(index+1)
}
