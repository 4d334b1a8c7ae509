package stserr

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// STS messages as STS sends them.
const (
	msgThumbprint    = "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint"
	msgNotFound      = "No OpenIDConnect provider found in your account for https://oidc.eks.us-west-2.amazonaws.com/id/ABC"
	msgAudience      = "Incorrect token audience"
	msgMissingAud    = "Missing a required claim: aud"
	msgVerification  = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
	msgExpired       = "Token expired: current date/time 1700000000 must be before the expiration date/time 1699996400"
	msgNotAuthorized = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
	msgInvalidARN    = "Request ARN is invalid"

	issuerABC = "oidc.eks.us-west-2.amazonaws.com/id/ABC"
)

// Stack frames that Java prints under an exception from a web identity credentials provider.
const (
	javaV1Frame = "\n\tat com.amazonaws.auth.STSAssumeRoleWithWebIdentitySessionCredentialsProvider.getUpdatedSessionCredentials(STSAssumeRoleWithWebIdentitySessionCredentialsProvider.java:127)"
	javaV2Frame = "\n\tat software.amazon.awssdk.services.sts.auth.StsAssumeRoleWithWebIdentityCredentialsProvider.getUpdatedCredentials(StsAssumeRoleWithWebIdentityCredentialsProvider.java:76)"
)

// goV1 formats an error as the AWS SDK for Go v1 web identity provider prints it.
func goV1(code, message string) string {
	return "WebIdentityErr: failed to retrieve credentials\ncaused by: " + code + ": " + message +
		"\n\tstatus code: 400, request id: 5f0c1a8e-1b2c-4d3e-8f40-000000000001"
}

// goV2 formats an error as the AWS SDK for Go v2 prints it. printedCode is
// "<Code>" for a modeled error and "api error <Code>" for any other.
func goV2(printedCode, message string) string {
	return "operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 400, " +
		"RequestID: 1f2e3d4c-5b6a-4798-8a6b-000000000002, " + printedCode + ": " + message
}

// boto3 formats an error as boto3 and the AWS CLI print it.
func boto3(code, message string) string {
	return "An error occurred (" + code + ") when calling the AssumeRoleWithWebIdentity operation: " + message
}

// jsV3 formats an error as the AWS SDK for JavaScript v3 prints it.
func jsV3(name, message string) string {
	return name + ": " + message
}

// javaV1 formats an exception as the AWS SDK for Java v1 prints it.
func javaV1(class, code, message string) string {
	return class + ": " + message + " (Service: AWSSecurityTokenService; Status Code: 400; Error Code: " + code +
		"; Request ID: 6a7b8c9d-0e1f-4a2b-9c3d-000000000003; Proxy: null)"
}

// javaV2 formats an exception as the AWS SDK for Java v2 prints it.
func javaV2(class, message string) string {
	return class + ": " + message + " (Service: Sts, Status Code: 400, Request ID: 7c8d9e0f-1a2b-4c3d-8e4f-000000000004)"
}

// stsXML formats an error as the STS XML response body.
func stsXML(code, message string) string {
	return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
		"<Code>" + code + "</Code><Message>" + message + "</Message></Error>" +
		"<RequestId>8e9f0a1b-2c3d-4e5f-8a6b-000000000005</RequestId></ErrorResponse>"
}

const (
	javaV1IdentityClass = "com.amazonaws.services.securitytoken.model.InvalidIdentityTokenException"
	javaV1ExpiredClass  = "com.amazonaws.services.securitytoken.model.ExpiredTokenException"
	javaV1ServiceClass  = "com.amazonaws.services.securitytoken.model.AWSSecurityTokenServiceException"
	javaV2IdentityClass = "software.amazon.awssdk.services.sts.model.InvalidIdentityTokenException"
	javaV2ExpiredClass  = "software.amazon.awssdk.services.sts.model.ExpiredTokenException"
	javaV2ServiceClass  = "software.amazon.awssdk.services.sts.model.StsException"
)

type findCase struct {
	name   string
	text   string
	wantOK bool
	want   Match
}

// identityCases returns one case per form for a message that STS sends with InvalidIdentityToken.
func identityCases(label, message string, cause Cause, detail string) []findCase {
	want := func(form string) Match {
		return Match{Code: "InvalidIdentityToken", Cause: cause, Message: message, Form: form, Detail: detail}
	}
	return []findCase{
		{label + " go-v1", goV1("InvalidIdentityToken", message), true, want("go-v1")},
		{label + " go-v2", goV2("InvalidIdentityToken", message), true, want("go-v2")},
		{label + " boto3", boto3("InvalidIdentityToken", message), true, want("boto3")},
		{label + " js-v3", jsV3("InvalidIdentityTokenException", message), true, want("js-v3")},
		{label + " java-v1", javaV1(javaV1IdentityClass, "InvalidIdentityToken", message), true, want("java")},
		{label + " java-v2", javaV2(javaV2IdentityClass, message), true, want("java")},
		{label + " xml", stsXML("InvalidIdentityToken", message), true, want("xml")},
		{label + " plain", message, true, want("plain")},
	}
}

// tableCases returns the cases for every message of the known message table.
func tableCases() []findCase {
	var cases []findCase
	cases = append(cases, identityCases("thumbprint", msgThumbprint, ThumbprintMismatch, "")...)
	cases = append(cases, identityCases("provider not found", msgNotFound, ProviderNotFound, issuerABC)...)
	cases = append(cases, identityCases("incorrect audience", msgAudience, IncorrectAudience, "")...)
	cases = append(cases, identityCases("missing audience", msgMissingAud, MissingAudience, "")...)
	cases = append(cases, identityCases("verification key", msgVerification, VerificationKey, "")...)

	expired := func(code, form string) Match {
		return Match{Code: code, Cause: ExpiredToken, Message: msgExpired, Form: form}
	}
	cases = append(cases,
		findCase{"expired go-v1", goV1("ExpiredTokenException", msgExpired), true, expired("ExpiredTokenException", "go-v1")},
		findCase{"expired go-v2", goV2("ExpiredTokenException", msgExpired), true, expired("ExpiredTokenException", "go-v2")},
		findCase{"expired boto3", boto3("ExpiredTokenException", msgExpired), true, expired("ExpiredTokenException", "boto3")},
		findCase{"expired js-v3", "fromTokenFile: web identity credentials failed: " + jsV3("ExpiredTokenException", msgExpired),
			true, expired("ExpiredTokenException", "js-v3")},
		findCase{"expired java-v1", javaV1(javaV1ExpiredClass, "ExpiredTokenException", msgExpired) + javaV1Frame,
			true, expired("ExpiredTokenException", "java")},
		findCase{"expired java-v2", javaV2(javaV2ExpiredClass, msgExpired) + javaV2Frame, true, expired("ExpiredTokenException", "java")},
		findCase{"expired plain", "assume role with web identity failed\n" + msgExpired, true, expired("ExpiredTokenException", "plain")},
	)

	denied := func(form string) Match {
		return Match{Code: "AccessDenied", Cause: AccessDenied, Message: msgNotAuthorized, Form: form}
	}
	cases = append(cases,
		findCase{"access denied go-v1", goV1("AccessDenied", msgNotAuthorized), true, denied("go-v1")},
		findCase{"access denied go-v2", goV2("api error AccessDenied", msgNotAuthorized), true, denied("go-v2")},
		findCase{"access denied boto3", boto3("AccessDenied", msgNotAuthorized), true, denied("boto3")},
		findCase{"access denied js-v3", jsV3("AccessDenied", msgNotAuthorized), true, denied("js-v3")},
		findCase{"access denied java-v1", javaV1(javaV1ServiceClass, "AccessDenied", msgNotAuthorized), true, denied("java")},
		findCase{"access denied java-v2", javaV2(javaV2ServiceClass, msgNotAuthorized), true, denied("java")},
		findCase{"access denied xml", stsXML("AccessDenied", msgNotAuthorized), true, denied("xml")},
		findCase{"access denied plain", msgNotAuthorized, true, denied("plain")},
	)

	invalidARN := func(form string) Match {
		return Match{Code: "ValidationError", Cause: InvalidRoleARN, Message: msgInvalidARN, Form: form}
	}
	cases = append(cases,
		findCase{"invalid arn go-v1", goV1("ValidationError", msgInvalidARN), true, invalidARN("go-v1")},
		findCase{"invalid arn go-v2", goV2("api error ValidationError", msgInvalidARN), true, invalidARN("go-v2")},
		findCase{"invalid arn boto3", boto3("ValidationError", msgInvalidARN), true, invalidARN("boto3")},
		findCase{"invalid arn js-v3", "AssumeRoleWithWebIdentity failed: " + jsV3("ValidationError", msgInvalidARN),
			true, invalidARN("js-v3")},
		findCase{"invalid arn java-v1", javaV1(javaV1ServiceClass, "ValidationError", msgInvalidARN) + javaV1Frame,
			true, invalidARN("java")},
		findCase{"invalid arn java-v2", javaV2(javaV2ServiceClass, msgInvalidARN) + javaV2Frame, true, invalidARN("java")},
		findCase{"invalid arn plain", "WebIdentityErr: " + msgInvalidARN, true, invalidARN("plain")},
	)
	return cases
}

// variantCases returns positive cases for wrappers, spellings and codes beyond the table.
func variantCases() []findCase {
	return []findCase{
		{
			name: "go-v2 wrapped with retries",
			text: "failed to refresh cached credentials, failed to retrieve credentials, " +
				"operation error STS: AssumeRoleWithWebIdentity, exceeded maximum number of attempts, 3, " +
				"https response error StatusCode: 400, RequestID: 0a1b, InvalidIdentityToken: " + msgVerification,
			wantOK: true,
			want:   Match{Code: "InvalidIdentityToken", Cause: VerificationKey, Message: msgVerification, Form: "go-v2"},
		},
		{
			name:   "go-v2 without operation prefix",
			text:   "https response error StatusCode: 400, RequestID: 0a1b, InvalidIdentityToken: " + msgAudience,
			wantOK: true,
			want:   Match{Code: "InvalidIdentityToken", Cause: IncorrectAudience, Message: msgAudience, Form: "go-v2"},
		},
		{
			name:   "go-v2 unmodeled code",
			text:   goV2("api error Throttling", "Rate exceeded"),
			wantOK: true,
			want:   Match{Code: "Throttling", Cause: Unclassified, Message: "Rate exceeded", Form: "go-v2"},
		},
		{
			name:   "event from load balancer controller",
			text:   "Failed deploy model due to " + goV1("InvalidIdentityToken", msgNotFound),
			wantOK: true,
			want: Match{Code: "InvalidIdentityToken", Cause: ProviderNotFound, Message: msgNotFound,
				Form: "go-v1", Detail: issuerABC},
		},
		{
			name: "json log with escaped line breaks",
			text: `{"level":"error","msg":"unable to get credentials","error":"WebIdentityErr: failed to retrieve credentials\n` +
				`caused by: InvalidIdentityToken: Incorrect token audience\n\tstatus code: 400, request id: 3c4d"}`,
			wantOK: true,
			want:   Match{Code: "InvalidIdentityToken", Cause: IncorrectAudience, Message: msgAudience, Form: "go-v1"},
		},
		{
			name: "go-v1 joined on one line",
			text: "WebIdentityErr: failed to retrieve credentials caused by: ValidationError: Request ARN is invalid " +
				"status code: 400, request id: 9e8d",
			wantOK: true,
			want:   Match{Code: "ValidationError", Cause: InvalidRoleARN, Message: msgInvalidARN, Form: "go-v1"},
		},
		{
			name: "boto3 after max retries",
			text: "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation " +
				"(reached max retries: 4): " + msgVerification,
			wantOK: true,
			want:   Match{Code: "InvalidIdentityToken", Cause: VerificationKey, Message: msgVerification, Form: "boto3"},
		},
		{
			name:   "botocore exception class",
			text:   "botocore.errorfactory.InvalidIdentityTokenException: " + boto3("InvalidIdentityToken", msgThumbprint),
			wantOK: true,
			want:   Match{Code: "InvalidIdentityToken", Cause: ThumbprintMismatch, Message: msgThumbprint, Form: "boto3"},
		},
		{
			name:   "aws cli credential error",
			text:   "Error when retrieving credentials from assume-role-with-web-identity: " + boto3("AccessDenied", msgNotAuthorized),
			wantOK: true,
			want:   Match{Code: "AccessDenied", Cause: AccessDenied, Message: msgNotAuthorized, Form: "boto3"},
		},
		{
			name:   "access denied other message",
			text:   boto3("AccessDenied", "Explicit deny in a service control policy"),
			wantOK: true,
			want: Match{Code: "AccessDenied", Cause: AccessDenied,
				Message: "Explicit deny in a service control policy", Form: "boto3"},
		},
		{
			name: "role arn constraint",
			text: boto3("ValidationError", "1 validation error detected: Value 'x' at 'roleArn' failed to satisfy constraint: "+
				"Member must have length greater than or equal to 20"),
			wantOK: true,
			want: Match{Code: "ValidationError", Cause: InvalidRoleARN, Form: "boto3",
				Message: "1 validation error detected: Value 'x' at 'roleArn' failed to satisfy constraint: " +
					"Member must have length greater than or equal to 20"},
		},
		{
			name:   "idp communication error",
			text:   boto3("IDPCommunicationError", "The identity provider could not be reached"),
			wantOK: true,
			want: Match{Code: "IDPCommunicationError", Cause: Unclassified,
				Message: "The identity provider could not be reached", Form: "boto3"},
		},
		{
			name:   "unknown identity token message",
			text:   goV2("InvalidIdentityToken", "Token signature is invalid"),
			wantOK: true,
			want:   Match{Code: "InvalidIdentityToken", Cause: Unclassified, Message: "Token signature is invalid", Form: "go-v2"},
		},
		{
			name:   "expired message from api reference",
			text:   jsV3("ExpiredTokenException", "The web identity token that was passed is expired or is not valid."),
			wantOK: true,
			want: Match{Code: "ExpiredTokenException", Cause: ExpiredToken,
				Message: "The web identity token that was passed is expired or is not valid.", Form: "js-v3"},
		},
		{
			name:   "curly apostrophes",
			text:   "OpenIDConnect provider\u2019s HTTPS certificate doesn\u2019t match configured thumbprint",
			wantOK: true,
			want: Match{Code: "InvalidIdentityToken", Cause: ThumbprintMismatch, Form: "plain",
				Message: "OpenIDConnect provider\u2019s HTTPS certificate doesn\u2019t match configured thumbprint"},
		},
		{
			name:   "upper case message",
			text:   goV1("InvalidIdentityToken", "INCORRECT TOKEN AUDIENCE"),
			wantOK: true,
			want:   Match{Code: "InvalidIdentityToken", Cause: IncorrectAudience, Message: "INCORRECT TOKEN AUDIENCE", Form: "go-v1"},
		},
		{
			name:   "message cut at end of text",
			text:   "WebIdentityErr: failed to retrieve credentials\ncaused by: InvalidIdentityToken: OpenIDConnect provider's HTTPS certificate doesn't mat",
			wantOK: true,
			want: Match{Code: "InvalidIdentityToken", Cause: ThumbprintMismatch, Form: "go-v1",
				Message: "OpenIDConnect provider's HTTPS certificate doesn't mat"},
		},
		{
			name:   "message cut with ellipsis",
			text:   "Warning  Failed  pod/app  OpenIDConnect provider's HTTPS certif...",
			wantOK: true,
			want: Match{Code: "InvalidIdentityToken", Cause: ThumbprintMismatch, Form: "plain",
				Message: "OpenIDConnect provider's HTTPS certif..."},
		},
		{
			name:   "xml apostrophe entities",
			text:   stsXML("InvalidIdentityToken", "OpenIDConnect provider&apos;s HTTPS certificate doesn&apos;t match configured thumbprint"),
			wantOK: true,
			want:   Match{Code: "InvalidIdentityToken", Cause: ThumbprintMismatch, Message: msgThumbprint, Form: "xml"},
		},
		{
			name:   "xml message before code",
			text:   "<Error><Message>" + msgAudience + "</Message><Code>InvalidIdentityToken</Code></Error>",
			wantOK: true,
			want:   Match{Code: "InvalidIdentityToken", Cause: IncorrectAudience, Message: msgAudience, Form: "xml"},
		},
		{
			name: "java-v1 unknown message",
			text: "com.amazonaws.services.securitytoken.model.AWSSecurityTokenServiceException: Token is not valid yet " +
				"(Service: AWSSecurityTokenService; Status Code: 400; Error Code: InvalidIdentityToken; Request ID: 2b3c; Proxy: null)",
			wantOK: true,
			want:   Match{Code: "InvalidIdentityToken", Cause: Unclassified, Message: "Token is not valid yet", Form: "java"},
		},
		{
			name:   "first of two errors",
			text:   boto3("InvalidIdentityToken", msgAudience) + "\n" + goV1("InvalidIdentityToken", msgThumbprint),
			wantOK: true,
			want:   Match{Code: "InvalidIdentityToken", Cause: IncorrectAudience, Message: msgAudience, Form: "boto3"},
		},
		{
			name:   "s3 error before web identity error",
			text:   "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied\n" + goV1("InvalidIdentityToken", msgMissingAud),
			wantOK: true,
			want:   Match{Code: "InvalidIdentityToken", Cause: MissingAudience, Message: msgMissingAud, Form: "go-v1"},
		},
		{
			name:   "error just inside scan limit",
			text:   strings.Repeat("x", MaxScan-len(msgAudience)-1) + " " + msgAudience,
			wantOK: true,
			want:   Match{Code: "InvalidIdentityToken", Cause: IncorrectAudience, Message: msgAudience, Form: "plain"},
		},
	}
}

// negativeCases returns texts that contain no STS web identity error.
func negativeCases() []findCase {
	return []findCase{
		{name: "empty", text: ""},
		{name: "random text", text: "The quick brown fox jumps over the lazy dog; 42 pods ready, 0 restarts."},
		{name: "thumbprint without error", text: "updated thumbprint of OIDC provider to 9e99a48a9960b14926bb7f3b02e22da2b0ab7280"},
		{name: "s3 access denied boto3", text: "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied"},
		{
			name: "s3 access denied go-v2",
			text: "operation error S3: GetObject, https response error StatusCode: 403, RequestID: 7H2K, HostID: abc=, api error AccessDenied: Access Denied",
		},
		{
			name: "s3 access denied near web identity",
			text: "using web identity credentials\noperation error S3: GetObject, https response error StatusCode: 403, " +
				"RequestID: 7H2K, HostID: abc=, api error AccessDenied: Access Denied",
		},
		{name: "s3 access denied go-v1", text: "AccessDenied: Access Denied\n\tstatus code: 403, request id: 7H2K, host id: abc="},
		{
			name: "s3 access denied java-v1",
			text: "com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403; " +
				"Error Code: AccessDenied; Request ID: 7H2K; S3 Extended Request ID: abc=; Proxy: null)" + javaV1Frame,
		},
		{
			name: "s3 access denied java-v2",
			text: "software.amazon.awssdk.services.s3.model.S3Exception: Access Denied (Service: S3, Status Code: 403, Request ID: 7H2K)",
		},
		{name: "s3 access denied xml", text: "<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>7H2K</RequestId></Error>"},
		{name: "s3 access denied js-v3", text: "AccessDenied: Access Denied"},
		{name: "expired token other call", text: "ExpiredToken: The security token included in the request is expired\n\tstatus code: 403, request id: 1a2b"},
		{name: "validation error without context", text: "ValidationError: Request ARN is invalid"},
		{name: "token expired without context", text: "refresh failed: token expired"},
		{name: "saml operation", text: "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithSAML operation: " + msgAudience},
		{name: "code in prose", text: "the controller retries after InvalidIdentityToken errors"},
		{name: "error beyond scan limit", text: strings.Repeat("x", MaxScan) + goV1("InvalidIdentityToken", msgThumbprint)},
	}
}

func TestFind(t *testing.T) {
	var cases []findCase
	cases = append(cases, tableCases()...)
	cases = append(cases, variantCases()...)
	cases = append(cases, negativeCases()...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Find(tc.text)
			if ok != tc.wantOK {
				t.Fatalf("Find(%.100q) ok = %v, want %v (match %+v)", tc.text, ok, tc.wantOK, got)
			}
			if got.Code != tc.want.Code {
				t.Errorf("Find(%.100q).Code = %q, want %q", tc.text, got.Code, tc.want.Code)
			}
			if got.Cause != tc.want.Cause {
				t.Errorf("Find(%.100q).Cause = %q, want %q", tc.text, got.Cause, tc.want.Cause)
			}
			if got.Message != tc.want.Message {
				t.Errorf("Find(%.100q).Message = %q, want %q", tc.text, got.Message, tc.want.Message)
			}
			if got.Form != tc.want.Form {
				t.Errorf("Find(%.100q).Form = %q, want %q", tc.text, got.Form, tc.want.Form)
			}
			if got.Detail != tc.want.Detail {
				t.Errorf("Find(%.100q).Detail = %q, want %q", tc.text, got.Detail, tc.want.Detail)
			}
		})
	}
}

func TestFindLongMessageTruncated(t *testing.T) {
	message := msgAudience + strings.Repeat(" é", MaxMessage)
	got, ok := Find(goV1("InvalidIdentityToken", message))
	if !ok {
		t.Fatalf("Find(long message) ok = false, want true")
	}
	if len(got.Message) > MaxMessage {
		t.Errorf("Find(long message).Message length = %d, want at most %d", len(got.Message), MaxMessage)
	}
	if !strings.HasPrefix(got.Message, msgAudience) {
		t.Errorf("Find(long message).Message = %.40q..., want prefix %q", got.Message, msgAudience)
	}
	if !utf8.ValidString(got.Message) {
		t.Errorf("Find(long message).Message = %q, want valid UTF-8", got.Message)
	}
}

func TestExplanation(t *testing.T) {
	causes := []Cause{ThumbprintMismatch, ProviderNotFound, IncorrectAudience, MissingAudience,
		VerificationKey, ExpiredToken, AccessDenied, InvalidRoleARN, Unclassified}
	seen := map[string]Cause{}
	for _, c := range causes {
		sentence := c.Explanation()
		if sentence == "" {
			t.Errorf("%s.Explanation() = \"\", want a sentence", c)
		}
		if !strings.HasSuffix(sentence, ".") {
			t.Errorf("%s.Explanation() = %q, want a sentence ending in a period", c, sentence)
		}
		if other, ok := seen[sentence]; ok {
			t.Errorf("%s.Explanation() = %q, the same as for %s", c, sentence, other)
		}
		seen[sentence] = c
	}
	if got := Cause("no-such-cause").Explanation(); got == "" {
		t.Errorf("Cause(%q).Explanation() = \"\", want a sentence", "no-such-cause")
	}
}

func FuzzFind(f *testing.F) {
	var cases []findCase
	cases = append(cases, tableCases()...)
	cases = append(cases, variantCases()...)
	cases = append(cases, negativeCases()...)
	for _, tc := range cases {
		if len(tc.text) < 4096 {
			f.Add(tc.text)
		}
	}
	forms := map[string]bool{"go-v1": true, "go-v2": true, "boto3": true, "js-v3": true, "java": true, "xml": true, "plain": true}
	f.Fuzz(func(t *testing.T, text string) {
		got, ok := Find(text)
		if !ok {
			if got != (Match{}) {
				t.Errorf("Find(%q) = %+v, false, want the zero Match", text, got)
			}
			return
		}
		if got.Code == "" {
			t.Errorf("Find(%q).Code = \"\", want a code", text)
		}
		if !got.Cause.known() {
			t.Errorf("Find(%q).Cause = %q, want a known cause", text, got.Cause)
		}
		if !forms[got.Form] {
			t.Errorf("Find(%q).Form = %q, want a known form", text, got.Form)
		}
		if len(got.Message) > MaxMessage {
			t.Errorf("Find(%q).Message length = %d, want at most %d", text, len(got.Message), MaxMessage)
		}
		if got.Detail != "" && got.Cause != ProviderNotFound {
			t.Errorf("Find(%q).Detail = %q with cause %q, want \"\"", text, got.Detail, got.Cause)
		}
	})
}

func BenchmarkFind(b *testing.B) {
	event := "Failed deploy model due to " + goV1("InvalidIdentityToken", msgThumbprint) +
		" (aws-load-balancer-controller, ingress default/web)"
	line := "I0102 15:04:05.000000       1 controller.go:123] reconciled service account default/app in 12ms\n"
	noMatch := strings.Repeat(line, (1<<20)/len(line)+1)[:1<<20]
	// XML code elements without a message make every hit search messageReach
	// bytes ahead, which makes this the slowest of the inputs measured for Find.
	xmlCodes := strings.Repeat("<Code>A</Code>", MaxScan/len("<Code>A</Code>")+1)

	inputs := []struct {
		name    string
		text    string
		matches bool
	}{
		{fmt.Sprintf("event-%dB", len(event)), event, true},
		{"no-match-1MiB", noMatch, false},
		{"xml-codes-64KiB", xmlCodes, false},
	}
	for _, input := range inputs {
		b.Run(input.name, func(b *testing.B) {
			for b.Loop() {
				if _, ok := Find(input.text); ok != input.matches {
					b.Fatalf("Find(%.40q) ok = %v, want %v", input.text, ok, input.matches)
				}
			}
		})
	}
}
