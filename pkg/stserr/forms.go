package stserr

import (
	"regexp"
	"strings"
)

const (
	// messageReach is the maximum number of bytes that a reader looks at
	// after the start of a message to find its end and a trailer such as
	// Java's "(Service: ...)", or before a position to find a message. It
	// bounds the work per hit.
	messageReach = 2 << 10

	// prefixReach is the maximum number of bytes that a reader looks at to
	// parse the text that comes before a message in the boto3 and Go v2 forms.
	prefixReach = 512

	// javaTrailerReach is the maximum distance in bytes from "(Service: " to
	// the "Error Code: " field of the same Java v1 trailer.
	javaTrailerReach = 256
)

// messageTerminators are the bytes that end a message. Besides line breaks
// they include the characters that surround a message in JSON logs (a quote or
// an escape such as \n) and in XML ("<").
const messageTerminators = "\n\r\t\"\\<"

// Forms of an STS error, as reported in Match.Form.
const (
	formGoV1  = "go-v1"
	formGoV2  = "go-v2"
	formBoto3 = "boto3"
	formJSV3  = "js-v3"
	formJava  = "java"
	formXML   = "xml"
	formPlain = "plain"
)

var (
	// boto3Pattern matches botocore's ClientError text up to its message.
	boto3Pattern = regexp.MustCompile(`^An error occurred \((\w+)\) when calling the (\w+) operation` +
		`(?: \(reached max retries: \d+\))?: `)
	// goV1StatusNextPattern matches the status line of a Go v1 error right
	// after the message, with the line break real or escaped.
	goV1StatusNextPattern = regexp.MustCompile(`^(?:\r?\n|\\n)(?:\t|\\t)?\s*status code: \d+`)
	// javaErrorCodePattern captures the code in a Java v1 "(Service: ...)" trailer.
	javaErrorCodePattern = regexp.MustCompile(`Error Code: (\w+)`)
	// xmlCodeStartPattern matches the code element of an STS XML error at the
	// start of the text.
	xmlCodeStartPattern = regexp.MustCompile(`^<Code>(\w+)</Code>`)
	// xmlUnescaper replaces the XML entities that can occur in a message.
	xmlUnescaper = strings.NewReplacer("&apos;", "'", "&#39;", "'", "&quot;", `"`,
		"&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// record is one STS error read from the text, before Find decides whether it
// comes from a web identity call.
type record struct {
	code      string // STS error code, or "" when the form prints none
	message   string // trimmed STS message
	form      string
	service   string // service printed by the form, or ""
	operation string // operation printed by the form, or ""
	start     int    // offset of the first byte of the record
	end       int    // offset just past the record and its trailer
}

// fromWebIdentityCall reports whether the service and operation that the form
// prints, if any, are STS and AssumeRoleWithWebIdentity.
func (r record) fromWebIdentityCall() bool {
	if r.operation != "" && r.operation != "AssumeRoleWithWebIdentity" {
		return false
	}
	return r.service == "" || isSTSService(r.service)
}

// isSTSService reports whether a printed service name is STS: "STS" in Go v2,
// "AWSSecurityTokenService" in Java v1 and "Sts" in Java v2.
func isSTSService(name string) bool {
	normalized := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), " ", ""))
	switch normalized {
	case "sts", "awssts", "awssecuritytokenservice", "securitytokenservice":
		return true
	}
	return false
}

// reader reads records from a text. Backward searches stop at floor, the end
// of the previous record, which keeps the total work linear in the text.
type reader struct {
	text  string
	floor int
}

// back returns the start of the span of at most reach bytes before offset
// that does not go below r.floor.
func (r reader) back(offset, reach int) int {
	return max(r.floor, offset-reach, 0)
}

// read reads the record that starts at h, using the reader for its kind.
func (r reader) read(h hit) (record, bool) {
	switch h.kind {
	case hitBoto3:
		return r.readBoto3(h.start)
	case hitGoV2:
		return r.readGoV2(h.start)
	case hitJavaErrorCode:
		return r.readJavaErrorCode(h.start)
	case hitXMLCode:
		return r.readXMLCode(h.start)
	case hitCodeName:
		return r.readCodeName(h.start, h.end)
	default:
		return r.readPhrase(h.start)
	}
}

// messageField is a message read from the text, with the trailer that follows it.
type messageField struct {
	text string
	end  int // offset just past the message and its trailer
	// javaTrailer is true when Java's "(Service: ...)" follows the message.
	javaTrailer bool
	service     string // service named in the Java trailer
	code        string // error code named in the Java v1 trailer
	// statusTrailer is true when Go v1's "status code: ..." line follows.
	statusTrailer bool
}

// readMessage reads the message that starts at start. It ends at a
// terminator or after messageReach bytes, and its trailer is removed.
func (r reader) readMessage(start int) messageField {
	limit := min(len(r.text), start+messageReach)
	end := limit
	if i := strings.IndexAny(r.text[start:limit], messageTerminators); i >= 0 {
		end = start + i
	}
	field := messageField{end: end}
	raw := r.text[start:end]
	if i := strings.Index(raw, " (Service: "); i >= 0 {
		field.javaTrailer = true
		field.service, field.code = parseJavaTrailer(raw[i+1:])
		raw = raw[:i]
	} else if i := indexGoV1Status(raw); i >= 0 {
		field.statusTrailer = true
		raw = raw[:i]
	} else {
		next := r.text[end:min(len(r.text), end+64)]
		field.statusTrailer = goV1StatusNextPattern.MatchString(next)
	}
	field.text = strings.TrimSpace(raw)
	return field
}

// indexGoV1Status returns the offset of " status code: <n>, request id:" in
// message, which Go v1 prints on the next line and some log formats join to
// the message line, or -1 when it is not there.
func indexGoV1Status(message string) int {
	for offset := 0; ; {
		i := strings.Index(message[offset:], " status code: ")
		if i < 0 {
			return -1
		}
		i += offset
		rest := strings.TrimLeft(message[i+len(" status code: "):], "0123456789")
		if strings.HasPrefix(rest, ", request id:") {
			return i
		}
		offset = i + 1
	}
}

// parseJavaTrailer returns the service and error code of a Java trailer such
// as "(Service: AWSSecurityTokenService; Status Code: 400; Error Code:
// InvalidIdentityToken; Request ID: ...)" in Java v1 or "(Service: Sts,
// Status Code: 400, Request ID: ...)" in Java v2, which prints no code.
func parseJavaTrailer(trailer string) (service, code string) {
	if i := strings.IndexByte(trailer, ')'); i >= 0 {
		trailer = trailer[:i]
	}
	service = strings.TrimPrefix(trailer, "(Service: ")
	if i := strings.IndexAny(service, ";,"); i >= 0 {
		service = service[:i]
	}
	if found := javaErrorCodePattern.FindStringSubmatch(trailer); found != nil {
		code = found[1]
	}
	return strings.TrimSpace(service), code
}

// readBoto3 reads "An error occurred (<Code>) when calling the <Operation>
// operation: <message>", which boto3 and the AWS CLI print.
func (r reader) readBoto3(start int) (record, bool) {
	window := r.text[start:min(len(r.text), start+prefixReach)]
	found := boto3Pattern.FindStringSubmatchIndex(window)
	if found == nil {
		return record{}, false
	}
	message := r.readMessage(start + found[1])
	return record{
		code:      window[found[2]:found[3]],
		operation: window[found[4]:found[5]],
		message:   message.text,
		form:      formBoto3,
		start:     start,
		end:       message.end,
	}, true
}

// readGoV2 reads "operation error STS: <Operation>, https response error
// StatusCode: <n>, RequestID: <id>, <Code>: <message>", which the AWS SDK for
// Go v2 prints. Other wrapped errors may come before "https", S3 adds
// "HostID: <id>, " and an unmodeled code is printed as "api error <Code>".
func (r reader) readGoV2(start int) (record, bool) {
	line := r.text[start:min(len(r.text), start+prefixReach)]
	if i := strings.IndexAny(line, "\n\r"); i >= 0 {
		line = line[:i]
	}
	service, operation, rest, ok := parseGoV2Operation(line)
	if !ok {
		return record{}, false
	}
	code, rest, ok := parseGoV2Response(rest)
	if !ok {
		return record{}, false
	}
	// rest is a suffix of line, so its length locates the message.
	message := r.readMessage(start + len(line) - len(rest))
	return record{
		service:   service,
		operation: operation,
		code:      code,
		message:   message.text,
		form:      formGoV2,
		start:     start,
		end:       message.end,
	}, true
}

// parseGoV2Operation parses "operation error <Service>: <Operation>, " at the
// start of s and returns the text after it.
func parseGoV2Operation(s string) (service, operation, rest string, ok bool) {
	rest, ok = strings.CutPrefix(s, "operation error ")
	if !ok {
		return "", "", "", false
	}
	service, rest, ok = strings.Cut(rest, ": ")
	if !ok || service == "" || strings.Contains(service, ",") {
		return "", "", "", false
	}
	operation, rest, ok = strings.Cut(rest, ", ")
	if !ok || !isWord(operation) {
		return "", "", "", false
	}
	return service, operation, rest, true
}

// parseGoV2Response finds "https response error StatusCode: <n>, RequestID:
// <id>, " in s and returns the code that follows it and the text after the
// code's ": ".
func parseGoV2Response(s string) (code, rest string, ok bool) {
	_, rest, ok = strings.Cut(s, "https response error StatusCode: ")
	if !ok {
		return "", "", false
	}
	rest, ok = strings.CutPrefix(strings.TrimLeft(rest, "0123456789"), ", RequestID: ")
	if !ok {
		return "", "", false
	}
	if _, rest, ok = strings.Cut(rest, ", "); !ok {
		return "", "", false
	}
	if hostID, found := strings.CutPrefix(rest, "HostID: "); found {
		if _, rest, ok = strings.Cut(hostID, ", "); !ok {
			return "", "", false
		}
	}
	rest = strings.TrimPrefix(rest, "api error ")
	code, rest, ok = strings.Cut(rest, ": ")
	if !ok || !isWord(code) {
		return "", "", false
	}
	return code, rest, true
}

// readJavaErrorCode reads a Java v1 error from its "Error Code: " field,
// which comes after the message: "<Class>: <message> (Service: ...; Error
// Code: <Code>; ...)". Find reaches it when the exception class is not an STS
// code, such as AWSSecurityTokenServiceException, and the message is unknown.
func (r reader) readJavaErrorCode(start int) (record, bool) {
	base := r.back(start, javaTrailerReach)
	open := strings.LastIndex(r.text[base:start], "(Service: ")
	if open < 0 {
		return record{}, false
	}
	open += base
	if strings.IndexByte(r.text[open:start], ')') >= 0 {
		// That trailer closes before this field, so it belongs to another error.
		return record{}, false
	}
	closing := strings.IndexByte(r.text[start:min(len(r.text), start+javaTrailerReach)], ')')
	if closing < 0 {
		return record{}, false
	}
	end := start + closing + 1
	service, code := parseJavaTrailer(r.text[open:end])
	if code == "" {
		return record{}, false
	}

	lineStart := r.back(open, messageReach)
	if i := strings.LastIndexAny(r.text[lineStart:open], messageTerminators); i >= 0 {
		lineStart += i + 1
	}
	messageStart := lineStart
	if i := strings.LastIndex(r.text[lineStart:open], "Exception: "); i >= 0 {
		messageStart = lineStart + i + len("Exception: ")
	}
	return record{
		code:    code,
		service: service,
		message: strings.TrimSpace(r.text[messageStart:open]),
		form:    formJava,
		start:   messageStart,
		end:     end,
	}, true
}

// readXMLCode reads an STS XML error from its <Code> element. The message is
// the nearest <Message> element after the code, or before it if none follows.
func (r reader) readXMLCode(start int) (record, bool) {
	found := xmlCodeStartPattern.FindStringSubmatchIndex(r.text[start:min(len(r.text), start+prefixReach)])
	if found == nil {
		return record{}, false
	}
	rec := record{
		code:  r.text[start+found[2] : start+found[3]],
		form:  formXML,
		start: start,
		end:   start + found[1],
	}
	if message, messageEnd, ok := r.xmlMessageAfter(rec.end); ok {
		rec.message, rec.end = message, messageEnd
	} else if message, ok := r.xmlMessageBefore(start); ok {
		rec.message = message
	}
	return rec, true
}

// xmlMessageAfter returns the text of the first <Message> element in the
// messageReach bytes after offset, unless the <Error> element ends first.
func (r reader) xmlMessageAfter(offset int) (message string, end int, ok bool) {
	window := r.text[offset:min(len(r.text), offset+messageReach)]
	open := strings.Index(window, "<Message>")
	if open < 0 {
		return "", 0, false
	}
	if errorEnd := strings.Index(window[:open], "</Error>"); errorEnd >= 0 {
		return "", 0, false
	}
	body := window[open+len("<Message>"):]
	closing := strings.Index(body, "</Message>")
	if closing < 0 {
		return "", 0, false
	}
	end = offset + open + len("<Message>") + closing + len("</Message>")
	return cleanXML(body[:closing]), end, true
}

// xmlMessageBefore returns the text of the last <Message> element that ends
// in the messageReach bytes before offset.
func (r reader) xmlMessageBefore(offset int) (string, bool) {
	window := r.text[r.back(offset, messageReach):offset]
	closing := strings.LastIndex(window, "</Message>")
	if closing < 0 {
		return "", false
	}
	open := strings.LastIndex(window[:closing], "<Message>")
	if open < 0 {
		return "", false
	}
	return cleanXML(window[open+len("<Message>") : closing]), true
}

// xmlCodeNear returns the code of the first <Code> element after offset, or
// of the last one before start, within messageReach bytes. It returns "" when
// neither is there.
func (r reader) xmlCodeNear(start, offset int) string {
	after := r.text[offset:min(len(r.text), offset+messageReach)]
	if i := strings.Index(after, "<Code>"); i >= 0 {
		if found := xmlCodeStartPattern.FindStringSubmatch(after[i:]); found != nil {
			return found[1]
		}
	}
	before := r.text[r.back(start, messageReach):start]
	if i := strings.LastIndex(before, "<Code>"); i >= 0 {
		if found := xmlCodeStartPattern.FindStringSubmatch(before[i:]); found != nil {
			return found[1]
		}
	}
	return ""
}

// cleanXML unescapes and trims the text of an XML element.
func cleanXML(s string) string {
	return strings.TrimSpace(xmlUnescaper.Replace(s))
}

// readCodeName reads "<Name>: <message>", where Name is an STS code or an
// exception class such as InvalidIdentityTokenException. The text around it
// decides the form:
//   - Go v2 when "https response error" precedes it on the same line,
//   - Java when a "(Service: ...)" trailer follows the message,
//   - Go v1 when "caused by: " precedes it or a "status code: " line follows,
//   - JavaScript v3 otherwise, because JavaScript prints an error's name and
//     message in this form with no other mark.
func (r reader) readCodeName(start, end int) (record, bool) {
	messageStart, ok := strings.CutPrefix(r.text[end:], ": ")
	if !ok || strings.HasPrefix(messageStart, "An error occurred (") {
		// botocore's exception class precedes its own text, which readBoto3 reads.
		return record{}, false
	}
	message := r.readMessage(end + len(": "))
	rec := record{
		code:    wireCode(r.text[start:end]),
		message: message.text,
		form:    formJSV3,
		start:   start,
		end:     message.end,
	}
	line := r.lineBefore(start)
	switch {
	case strings.Contains(line, "https response error StatusCode: "):
		rec.form = formGoV2
		if i := strings.LastIndex(line, "operation error "); i >= 0 {
			rec.service, rec.operation, _, _ = parseGoV2Operation(line[i:])
		}
	case message.javaTrailer:
		rec.form = formJava
		rec.service = message.service
		if message.code != "" {
			rec.code = message.code
		}
	case strings.HasSuffix(r.text[:start], "caused by: ") || message.statusTrailer:
		rec.form = formGoV1
	}
	return rec, true
}

// readPhrase reads a known message that no code precedes. It is the XML
// form inside a <Message> element, the Java form when a "(Service: ...)"
// trailer follows, and the plain form otherwise. The code is "" unless the
// form prints one.
func (r reader) readPhrase(start int) (record, bool) {
	message := r.readMessage(start)
	rec := record{
		message: message.text,
		form:    formPlain,
		start:   start,
		end:     message.end,
	}
	switch {
	case strings.HasSuffix(r.text[:start], "<Message>"):
		rec.form = formXML
		rec.message = cleanXML(rec.message)
		rec.code = r.xmlCodeNear(start, message.end)
	case message.javaTrailer:
		rec.form = formJava
		rec.service = message.service
		rec.code = message.code
	}
	return rec, true
}

// lineBefore returns the text between the start of offset's line and offset,
// at most prefixReach bytes of it.
func (r reader) lineBefore(offset int) string {
	line := r.text[r.back(offset, prefixReach):offset]
	if i := strings.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	return line
}

// isWord reports whether s is a non-empty run of ASCII letters, digits and "_".
func isWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return true
}
