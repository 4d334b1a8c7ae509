package stserr

import (
	"regexp"
	"strings"
)

// phrase is one known STS message.
type phrase struct {
	// text is the message in lower case with a straight apostrophe.
	text string
	// minLen is the length of the shortest prefix of text that still
	// identifies the message when the text around it was cut short.
	minLen int
	cause  Cause
	// code is the STS error code that STS sends with this message.
	code string
	// specific is true when the message alone shows a web identity error, so
	// that Find needs no other mention of web identity.
	specific bool
}

// phrases lists the known STS messages. Find matches them case-insensitively
// and accepts a curly apostrophe or an XML entity in place of "'".
var phrases = []phrase{
	{
		text:   "openidconnect provider's https certificate doesn't match configured thumbprint",
		minLen: len("openidconnect provider's https"),
		cause:  ThumbprintMismatch, code: "InvalidIdentityToken", specific: true,
	},
	{
		text:   "no openidconnect provider found in your account for",
		minLen: len("no openidconnect provider"),
		cause:  ProviderNotFound, code: "InvalidIdentityToken", specific: true,
	},
	{
		text:   "incorrect token audience",
		minLen: len("incorrect token aud"),
		cause:  IncorrectAudience, code: "InvalidIdentityToken", specific: true,
	},
	{
		// A shorter prefix could belong to a message about another claim.
		text:   "missing a required claim: aud",
		minLen: len("missing a required claim: aud"),
		cause:  MissingAudience, code: "InvalidIdentityToken", specific: true,
	},
	{
		text:   "couldn't retrieve verification key from your identity provider",
		minLen: len("couldn't retrieve verification"),
		cause:  VerificationKey, code: "InvalidIdentityToken", specific: true,
	},
	{
		// The description of ExpiredTokenException in the STS API model, as
		// the botocore documentation shows it.
		text:   "web identity token that was passed is expired",
		minLen: len("web identity token that was passed is expired"),
		cause:  ExpiredToken, code: "ExpiredTokenException", specific: true,
	},
	{
		text:   "token expired",
		minLen: len("token expired"),
		cause:  ExpiredToken, code: "ExpiredTokenException",
	},
	{
		text:   "token too old",
		minLen: len("token too old"),
		cause:  ExpiredToken, code: "ExpiredTokenException",
	},
	{
		text:   "not authorized to perform sts:assumerolewithwebidentity",
		minLen: len("not authorized to perform sts:assumerolewithwebidentity"),
		cause:  AccessDenied, code: "AccessDenied", specific: true,
	},
	{
		text:   "request arn is invalid",
		minLen: len("request arn is invalid"),
		cause:  InvalidRoleARN, code: "ValidationError",
	},
	{
		// AWS query APIs, STS among them, report a RoleArn that fails the
		// parameter's length or pattern constraint in this form.
		text:   "at 'rolearn' failed to satisfy constraint",
		minLen: len("at 'rolearn' failed to satisfy"),
		cause:  InvalidRoleARN, code: "ValidationError",
	},
}

// apostropheVariants are the spellings of "'" that Find accepts in a message:
// straight, curly (U+2019) and the two XML entities.
var apostropheVariants = []string{"'", "\u2019", "&apos;", "&#39;"}

// apostropheNormalizer replaces each apostrophe variant with "'".
var apostropheNormalizer = strings.NewReplacer("\u2019", "'", "&apos;", "'", "&#39;", "'")

// classify returns the known phrase that message contains, also when the
// message ends inside the phrase because it was cut short.
func classify(message string) (phrase, bool) {
	normalized := strings.ToLower(apostropheNormalizer.Replace(message))
	normalized = strings.TrimRight(normalized, " .\u2026")
	for _, p := range phrases {
		if containsPhrase(normalized, p) {
			return p, true
		}
	}
	return phrase{}, false
}

// containsPhrase reports whether message contains p.text, or ends with a
// prefix of p.text that is at least p.minLen bytes long.
func containsPhrase(message string, p phrase) bool {
	head := p.text[:p.minLen]
	for offset := 0; offset < len(message); {
		i := strings.Index(message[offset:], head)
		if i < 0 {
			return false
		}
		rest := message[offset+i:]
		if strings.HasPrefix(rest, p.text) || strings.HasPrefix(p.text, rest) {
			return true
		}
		offset += i + 1
	}
	return false
}

// webIdentityCodes are the STS error codes that only web identity (and SAML)
// federation returns, so they need no other mention of web identity.
var webIdentityCodes = map[string]bool{
	"InvalidIdentityToken":  true,
	"IDPCommunicationError": true,
	"IDPRejectedClaim":      true,
}

// isWebIdentityCode reports whether code is in webIdentityCodes.
func isWebIdentityCode(code string) bool {
	return webIdentityCodes[code]
}

// exceptionCodes maps the exception class names of the JavaScript and Java
// SDKs to the STS error code when the two differ. ExpiredTokenException and
// RegionDisabledException are the codes themselves.
var exceptionCodes = map[string]string{
	"InvalidIdentityTokenException":  "InvalidIdentityToken",
	"IDPCommunicationErrorException": "IDPCommunicationError",
	"IDPRejectedClaimException":      "IDPRejectedClaim",
}

// wireCode returns the STS error code for a printed code or exception class name.
func wireCode(name string) string {
	if code, ok := exceptionCodes[name]; ok {
		return code
	}
	return name
}

// causeOfCode returns the cause for an error whose message is not a known phrase.
func causeOfCode(code string) Cause {
	switch code {
	case "ExpiredToken", "ExpiredTokenException":
		return ExpiredToken
	case "AccessDenied":
		return AccessDenied
	default:
		return Unclassified
	}
}

// issuerPattern captures the issuer in the ProviderNotFound message.
var issuerPattern = regexp.MustCompile(`(?i)in your account for\s+(\S+)`)

// issuerOf returns the issuer named in a ProviderNotFound message, without
// its scheme and trailing punctuation, or "" when the message names none.
func issuerOf(message string) string {
	found := issuerPattern.FindStringSubmatch(message)
	if found == nil {
		return ""
	}
	issuer := found[1]
	if len(issuer) >= len("https://") && strings.EqualFold(issuer[:len("https://")], "https://") {
		issuer = issuer[len("https://"):]
	}
	return strings.TrimRight(issuer, ".,;:)'\u2026")
}
