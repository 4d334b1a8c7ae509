package stserr

import "strings"

// hitKind names the reader that a hit starts.
type hitKind int

const (
	hitBoto3 hitKind = iota
	hitGoV2
	hitJavaErrorCode
	hitXMLCode
	hitCodeName
	hitPhrase
)

// marker is a literal text that starts a hit, meaning a place where an STS
// error may start. The reader for the hit's kind decides whether one does.
type marker struct {
	text string
	kind hitKind
	// foldCase makes the marker match ASCII letters of either case and any of
	// apostropheVariants in place of "'".
	foldCase bool
	// word makes the marker match only as a whole word, optionally followed
	// by "Exception" as in the exception class names of the SDKs.
	word bool
}

// hit is one place in the text where a marker matched.
type hit struct {
	kind       hitKind
	start, end int
}

// markers lists every marker. Code names are the STS codes that Find reads in
// the form "<Code>: <message>". Phrase heads are the shortest identifying
// prefixes of the known messages.
var markers = buildMarkers()

// markersByFirstByte lists, for each byte value, the indexes in markers of the
// markers that can start with that byte.
var markersByFirstByte = indexMarkers(markers)

func buildMarkers() []marker {
	list := []marker{
		{text: "An error occurred (", kind: hitBoto3},
		{text: "operation error ", kind: hitGoV2},
		{text: "Error Code: ", kind: hitJavaErrorCode},
		{text: "<Code>", kind: hitXMLCode},
	}
	codeNames := []string{"InvalidIdentityToken", "IDPCommunicationError", "IDPRejectedClaim",
		"ExpiredToken", "RegionDisabledException", "AccessDenied", "ValidationError"}
	for _, name := range codeNames {
		list = append(list, marker{text: name, kind: hitCodeName, word: true})
	}
	for _, p := range phrases {
		list = append(list, marker{text: p.text[:p.minLen], kind: hitPhrase, foldCase: true})
	}
	return list
}

func indexMarkers(list []marker) [256][]int {
	var index [256][]int
	for i, m := range list {
		first := m.text[0]
		index[first] = append(index[first], i)
		if m.foldCase && isASCIILetter(first) {
			other := first ^ 0x20
			index[other] = append(index[other], i)
		}
	}
	return index
}

// nextHit returns the first hit at or after offset from. Its cost is linear
// in the bytes it passes, times the number and length of the markers.
func nextHit(text string, from int) (hit, bool) {
	for i := from; i < len(text); i++ {
		for _, index := range markersByFirstByte[text[i]] {
			m := markers[index]
			if end, ok := matchMarker(text, i, m); ok {
				return hit{kind: m.kind, start: i, end: end}, true
			}
		}
	}
	return hit{}, false
}

// matchMarker reports whether m matches text at start, and where the match ends.
func matchMarker(text string, start int, m marker) (int, bool) {
	if m.foldCase {
		return matchFold(text, start, m.text)
	}
	if !strings.HasPrefix(text[start:], m.text) {
		return 0, false
	}
	end := start + len(m.text)
	if !m.word {
		return end, true
	}
	if start > 0 && isWordByte(text[start-1]) {
		return 0, false
	}
	if strings.HasPrefix(text[end:], "Exception") {
		end += len("Exception")
	}
	if end < len(text) && isWordByte(text[end]) {
		return 0, false
	}
	return end, true
}

// matchFold matches the lower-case pattern at text[start:], ignoring ASCII
// case and accepting any of apostropheVariants where pattern has "'".
func matchFold(text string, start int, pattern string) (int, bool) {
	j := start
	for k := 0; k < len(pattern); k++ {
		if pattern[k] == '\'' {
			n := apostropheLength(text[j:])
			if n == 0 {
				return 0, false
			}
			j += n
			continue
		}
		if j >= len(text) || toLowerASCII(text[j]) != pattern[k] {
			return 0, false
		}
		j++
	}
	return j, true
}

// apostropheLength returns the length of the apostrophe variant that s starts with, or 0.
func apostropheLength(s string) int {
	for _, variant := range apostropheVariants {
		if strings.HasPrefix(s, variant) {
			return len(variant)
		}
	}
	return 0
}

// findWebIdentityMentions returns the spans of every mention of web identity
// in text, in order. A mention is "web" and "identity" in any ASCII case,
// joined directly or by " ", "_" or "-", as in AssumeRoleWithWebIdentity,
// WebIdentityErr, AWS_WEB_IDENTITY_TOKEN_FILE and assume-role-with-web-identity.
func findWebIdentityMentions(text string) [][2]int {
	var spans [][2]int
	for i := 0; i+len("webidentity") <= len(text); i++ {
		end, ok := matchFold(text, i, "web")
		if !ok {
			continue
		}
		if end < len(text) && strings.IndexByte(" _-", text[end]) >= 0 {
			end++
		}
		if end, ok = matchFold(text, end, "identity"); ok {
			spans = append(spans, [2]int{i, end})
			i = end - 1
		}
	}
	return spans
}

func isASCIILetter(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

func isWordByte(b byte) bool {
	return isASCIILetter(b) || '0' <= b && b <= '9' || b == '_'
}

func toLowerASCII(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}
