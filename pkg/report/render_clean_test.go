package report

import (
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "plain", in: "InvalidIdentityToken: provider's thumbprint", want: "InvalidIdentityToken: provider's thumbprint"},
		{name: "escape sequence", in: "Back\x1b[2J\x1b[31mOff", want: `Back\x1b[2J\x1b[31mOff`},
		{name: "newline and tab", in: "a\nb\tc", want: `a\nb\tc`},
		{name: "C1 control", in: "a\u009bb", want: `a\u009bb`},
		{name: "bidi override", in: "a\u202eb", want: `a\u202eb`},
		{name: "invalid UTF-8", in: "a\xffb", want: "a\ufffdb"},
		{name: "non-ASCII text", in: "Zürich – ok", want: "Zürich – ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clean(tt.in); got != tt.want {
				t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCellShortensLongValues(t *testing.T) {
	got := cell(strings.Repeat("a", 5000))

	if n := len([]rune(got)); n != maxCellRunes {
		t.Errorf("cell(5000 runes) has %d runes, want %d", n, maxCellRunes)
	}
	if !strings.HasSuffix(got, "…") {
		t.Errorf("cell(5000 runes) = %q..., want it to end with an ellipsis", got[:20])
	}
}

func TestWriteTextEscapesClusterText(t *testing.T) {
	r := &Report{
		Issuer:   Issuer{URL: "https://issuer.example", Source: "api-server"},
		Findings: []Finding{{Check: CheckErrors, Severity: Failure, Summary: "evil\x1b[2J", Evidence: []string{"\x1b]0;title\x07"}}},
		AffectedPods: []AffectedPod{{
			Namespace: "ns", Kind: "Pod", Name: "p\x1b[31m", Code: "InvalidIdentityToken", Source: "event Back\x1b[2JOff", Count: 1,
		}},
	}
	var out strings.Builder

	if err := WriteText(&out, r); err != nil {
		t.Fatalf("WriteText() error = %v", err)
	}
	if strings.ContainsRune(out.String(), '\x1b') {
		t.Errorf("WriteText() output contains a raw escape character:\n%q", out.String())
	}
	if strings.ContainsRune(out.String(), '\x07') {
		t.Errorf("WriteText() output contains a raw bell character:\n%q", out.String())
	}
}

func TestPrinterColor(t *testing.T) {
	r := &Report{
		Issuer:   Issuer{URL: "https://issuer.example", Source: "api-server"},
		Verdict:  Failure,
		Findings: []Finding{{Check: CheckThumbprint, Severity: Failure, Summary: "stale\x1b[0m"}},
	}

	tests := []struct {
		name      string
		color     bool
		wantCodes bool
	}{
		{name: "terminal", color: true, wantCodes: true},
		{name: "pipe", color: false, wantCodes: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			if err := (Printer{Color: tt.color}).Write(&out, r, "text"); err != nil {
				t.Fatalf("Write() error = %v", err)
			}

			if got := strings.Contains(out.String(), "\x1b[1;31mFAILURE"); got != tt.wantCodes {
				t.Errorf("colour codes present = %t, want %t:\n%q", got, tt.wantCodes, out.String())
			}
			if !strings.Contains(out.String(), `stale\x1b[0m`) {
				t.Errorf("the summary's own escape sequence is not escaped:\n%q", out.String())
			}
		})
	}
}
