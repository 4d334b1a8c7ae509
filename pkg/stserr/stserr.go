// Package stserr recognizes errors of the STS AssumeRoleWithWebIdentity call in
// free text, such as Kubernetes event messages, container termination messages
// and log lines, and names their likely cause.
//
// It reads the error forms of the AWS SDKs for Go (v1 and v2), JavaScript v3
// and Java (v1 and v2), of boto3 and the AWS CLI, and of the raw STS XML
// response. It also finds a known STS message on its own.
package stserr

import (
	"sort"
	"strings"
	"unicode/utf8"
)

const (
	// MaxScan is the number of leading bytes of a text that Find reads. Find
	// ignores the rest, which bounds its cost for any input.
	MaxScan = 64 << 10

	// MaxMessage is the maximum length in bytes of Match.Message.
	MaxMessage = 512

	// contextReach is the maximum distance in bytes between an error and a
	// mention of web identity that makes the error count as a web identity error.
	contextReach = 512
)

// Cause is the likely cause of an STS web identity error.
type Cause string

const (
	// ThumbprintMismatch is "OpenIDConnect provider's HTTPS certificate doesn't
	// match configured thumbprint".
	ThumbprintMismatch Cause = "thumbprint-mismatch"
	// ProviderNotFound is "No OpenIDConnect provider found in your account for <issuer>".
	ProviderNotFound Cause = "provider-not-found"
	// IncorrectAudience is "Incorrect token audience".
	IncorrectAudience Cause = "incorrect-audience"
	// MissingAudience is "Missing a required claim: aud".
	MissingAudience Cause = "missing-audience"
	// VerificationKey is "Couldn't retrieve verification key from your identity provider".
	VerificationKey Cause = "verification-key"
	// ExpiredToken is an expired or too old token (ExpiredTokenException or ExpiredToken).
	ExpiredToken Cause = "expired-token"
	// AccessDenied is "Not authorized to perform sts:AssumeRoleWithWebIdentity".
	AccessDenied Cause = "access-denied"
	// InvalidRoleARN is "Request ARN is invalid" (ValidationError).
	InvalidRoleARN Cause = "invalid-role-arn"
	// Unclassified is an InvalidIdentityToken or other web identity STS error
	// whose message is not one of the known messages.
	Unclassified Cause = "unclassified"
)

// explanations maps each cause to the sentence that Explanation returns.
var explanations = map[Cause]string{
	ThumbprintMismatch: "IAM enforces the thumbprints of the OIDC provider for this issuer, " +
		"and none of them matches the certificate that the JWKS host presents, so the configured thumbprint is stale or wrong.",
	ProviderNotFound: "The role's account has no IAM OIDC provider for the token's issuer, " +
		"because the provider is missing, its URL differs from the issuer, or the role is in another account.",
	IncorrectAudience: "The token's aud claim is not in the client ID list of the IAM OIDC provider.",
	MissingAudience:   "The token has no aud claim, so the projected service account token volume sets no audience.",
	VerificationKey: "STS could not get the signing key from the issuer's public JWKS, " +
		"because the jwks_uri is unreachable or slow, or the JWKS lacks the key that signed the token.",
	ExpiredToken: "The token had expired when STS received it, because the token file is stale or the node's clock is skewed.",
	AccessDenied: "The role's trust policy does not allow this service account, " +
		"usually because of a wrong federated principal or a sub or aud condition that does not match.",
	InvalidRoleARN: "The role ARN in the service account's eks.amazonaws.com/role-arn annotation is malformed.",
	Unclassified:   "STS rejected the web identity request with a message that this tool does not recognize, so read the message itself.",
}

// Explanation returns one sentence that states the likely cause, for reports.
// An unknown cause gets a sentence saying that the cause is unknown.
func (c Cause) Explanation() string {
	if sentence, ok := explanations[c]; ok {
		return sentence
	}
	return "The cause of this STS error is unknown."
}

// known reports whether c is one of the causes that this package defines.
func (c Cause) known() bool {
	_, ok := explanations[c]
	return ok
}

// Match is one recognized STS error.
type Match struct {
	// Code is the STS error code, e.g. "InvalidIdentityToken", "AccessDenied",
	// "ExpiredTokenException" or "ValidationError". An exception class name such
	// as InvalidIdentityTokenException becomes the code that STS sends. A form
	// that prints no code gets the code that STS sends with the message.
	Code  string
	Cause Cause
	// Message is the STS message text, trimmed, at most MaxMessage bytes.
	Message string
	// Form names the printer: "go-v1", "go-v2", "boto3" (also the AWS CLI),
	// "js-v3", "java", "xml", or "plain" when only the message text is there.
	Form string
	// Detail is the issuer named in the message for ProviderNotFound, without
	// "https://", and empty for other causes. It is incomplete when the message
	// was cut short inside the issuer.
	Detail string
}

// Find returns the first STS web identity error in text, by position.
//
// Find reads only the first MaxScan bytes of text.
//
// Codes other than InvalidIdentityToken, IDPCommunicationError and
// IDPRejectedClaim, such as AccessDenied, ValidationError, ExpiredToken and
// ExpiredTokenException, are common to many AWS calls. Find reports them only
// in one of these cases:
//   - the printed operation is AssumeRoleWithWebIdentity,
//   - the message itself names web identity,
//   - "web identity", in spellings such as WebIdentityErr or web_identity,
//     occurs on the same, previous or next line within 512 bytes of the error.
//
// Find never reports an error whose form names another operation or another
// service.
func Find(text string) (Match, bool) {
	if len(text) > MaxScan {
		text = text[:MaxScan]
	}
	s := scanner{text: text}
	return s.find()
}

// scanner contains the state of one Find call.
type scanner struct {
	text string
	// mentions contains the spans of the mentions of web identity in text.
	// It is computed on first use because most texts never need it.
	mentions       [][2]int
	mentionsLoaded bool
}

// find reads a record at each hit in order and returns the first that passes
// accept. The search for the next hit resumes after the record, so that a
// code or message inside a record that accept rejected is not read again.
func (s *scanner) find() (Match, bool) {
	r := reader{text: s.text}
	for offset := 0; ; {
		h, ok := nextHit(s.text, offset)
		if !ok {
			return Match{}, false
		}
		offset = h.end
		rec, ok := r.read(h)
		if !ok {
			continue
		}
		offset = max(offset, rec.end)
		r.floor = offset
		if m, ok := s.accept(rec); ok {
			return m, true
		}
	}
}

// accept decides whether rec is a web identity error and converts it to a Match.
func (s *scanner) accept(rec record) (Match, bool) {
	if !rec.fromWebIdentityCall() {
		return Match{}, false
	}
	known, found := classify(rec.message)
	code := rec.code
	if code == "" && found {
		code = known.code
	}
	if code == "" {
		return Match{}, false
	}
	cause := causeOfCode(code)
	if found {
		cause = known.cause
	}
	specific := rec.operation != "" || isWebIdentityCode(code) || (found && known.specific)
	if !specific && !s.mentionsWebIdentity(rec.start, rec.end) {
		return Match{}, false
	}
	m := Match{
		Code:    code,
		Cause:   cause,
		Message: truncate(rec.message, MaxMessage),
		Form:    rec.form,
	}
	if cause == ProviderNotFound {
		m.Detail = issuerOf(rec.message)
	}
	return m, true
}

// mentionsWebIdentity reports whether web identity is mentioned within the
// window that contextWindow returns for the span [start, end).
func (s *scanner) mentionsWebIdentity(start, end int) bool {
	if !s.mentionsLoaded {
		s.mentions = findWebIdentityMentions(s.text)
		s.mentionsLoaded = true
	}
	low, high := contextWindow(s.text, start, end)
	i := sort.Search(len(s.mentions), func(i int) bool { return s.mentions[i][1] > low })
	return i < len(s.mentions) && s.mentions[i][0] < high
}

// contextWindow returns the span around [start, end) that is searched for a
// mention of web identity: from the start of the previous line to the end of
// the next line, but at most contextReach bytes on each side.
func contextWindow(text string, start, end int) (low, high int) {
	low = max(0, start-contextReach)
	before := text[low:start]
	if i := strings.LastIndexByte(before, '\n'); i >= 0 {
		if j := strings.LastIndexByte(before[:i], '\n'); j >= 0 {
			low += j + 1
		}
	}

	high = min(len(text), end+contextReach)
	after := text[end:high]
	if i := strings.IndexByte(after, '\n'); i >= 0 {
		if j := strings.IndexByte(after[i+1:], '\n'); j >= 0 {
			high = end + i + 1 + j
		}
	}
	return low, high
}

// truncate returns s cut to at most limit bytes without splitting a UTF-8 sequence.
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && cut > limit-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
