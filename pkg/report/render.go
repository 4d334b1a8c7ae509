package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/yaml"
)

// Formats lists the values that -o accepts; "" means the text report.
var Formats = []string{"text", "json", "yaml"}

// Write renders r in format, one of Formats, without colour.
func Write(w io.Writer, r *Report, format string) error {
	return Printer{}.Write(w, r, format)
}

// Printer renders reports. Color adds ANSI colours to the severities of
// the text report; set it only when the output is a terminal.
type Printer struct {
	Color bool
}

// Write renders r in format, one of Formats.
func (pr Printer) Write(w io.Writer, r *Report, format string) error {
	switch format {
	case "", "text":
		return pr.writeText(w, r)
	case "json":
		data, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return fmt.Errorf("encode report as JSON: %w", err)
		}
		_, err = fmt.Fprintf(w, "%s\n", data)
		return err
	case "yaml":
		data, err := yaml.Marshal(r)
		if err != nil {
			return fmt.Errorf("encode report as YAML: %w", err)
		}
		_, err = w.Write(data)
		return err
	default:
		return fmt.Errorf("invalid output format %q: allowed values are %s", format, strings.Join(Formats, ", "))
	}
}

// WriteText renders the human report: the identity chain, the verdict,
// the findings with their evidence and fix, then the tables.
func WriteText(w io.Writer, r *Report) error {
	return Printer{}.writeText(w, r)
}

func (pr Printer) writeText(w io.Writer, r *Report) error {
	p := &textPrinter{w: w, color: pr.Color}
	p.header(r)
	p.findings(r.Findings)
	p.chain(r.Chain, "Certificates presented by %s (%s), leaf first:\n")
	p.chain(r.IssuerHostChain, "Certificates presented by the issuer host %s (%s), which IAM does not check:\n")
	p.serviceAccounts(r.ServiceAccounts)
	p.affected(r.AffectedPods)

	return p.err
}

// textPrinter writes lines and keeps the first write error.
type textPrinter struct {
	w     io.Writer
	color bool
	err   error
}

// printf writes a line whose string arguments come from the cluster, IAM or
// the network, so each is passed through clean first.
func (p *textPrinter) printf(format string, args ...any) {
	if p.err != nil {
		return
	}
	for i, arg := range args {
		if s, ok := arg.(string); ok {
			args[i] = clean(s)
		}
	}
	_, p.err = fmt.Fprintf(p.w, format, args...)
}

// maxCellRunes bounds a table cell, so that one huge annotation or message
// does not widen every row; JSON and YAML keep the whole value.
const maxCellRunes = 120

// clean escapes control characters, such as the terminal escape sequences
// that anyone who can write an event or annotation could put there, and
// line breaks, which would break the layout. Other text is unchanged.
func clean(s string) string {
	// A stray byte such as 0x9b is a control sequence in 8-bit terminals.
	s = strings.ToValidUTF8(s, "\ufffd")
	if !strings.ContainsFunc(s, isControl) {
		return s
	}

	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			quoted := strconv.QuoteRune(r)
			b.WriteString(quoted[1 : len(quoted)-1])
			continue
		}
		b.WriteRune(r)
	}

	return b.String()
}

// isControl reports control characters and the bidirectional formatting
// characters, such as U+202E, that reorder how a terminal shows text.
func isControl(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

// cell cleans a table value and shortens it to maxCellRunes.
func cell(s string) string {
	s = clean(s)
	if utf8.RuneCountInString(s) <= maxCellRunes {
		return s
	}

	return string([]rune(s)[:maxCellRunes-1]) + "…"
}

func (p *textPrinter) header(r *Report) {
	source := "from the API server"
	if r.Issuer.Source == "flag" {
		source = "from --issuer"
	}
	if r.Cluster.Context != "" || r.Cluster.Server != "" {
		p.printf("Context:   %s (%s)\n", r.Cluster.Context, r.Cluster.Server)
	}
	p.printf("Issuer:    %s (%s)\n", r.Issuer.URL, source)
	if r.Issuer.JWKSURI != "" {
		p.printf("JWKS URI:  %s\n", r.Issuer.JWKSURI)
	}
	if r.Provider != nil {
		p.printf("Provider:  %s\n", r.Provider.ARN)
	}
	p.printf("\nVerdict:   %s\n", p.paint(r.Verdict, verdictText(r.Verdict)))
}

// severityColors are the ANSI SGR codes of each severity.
var severityColors = map[Severity]string{
	OK:      "32", // green
	Warning: "33", // yellow
	Error:   "35", // magenta
	Failure: "1;31",
}

// paint wraps text in the colour of severity when colour is on. The text
// is cleaned first, so that the escape codes added here are the only ones.
func (p *textPrinter) paint(severity Severity, text string) painted {
	text = clean(text)
	if !p.color {
		return painted(text)
	}

	return painted("\x1b[" + severityColors[severity] + "m" + text + "\x1b[0m")
}

// painted is text that is already cleaned and may hold this printer's own
// colour codes, so printf passes it through unchanged.
type painted string

func verdictText(verdict Severity) string {
	switch verdict {
	case Failure:
		return "FAILURE: a check found a cause of failing credentials"
	case Error:
		return "INCOMPLETE: some checks could not run"
	case Warning:
		return "OK with warnings"
	default:
		return "OK"
	}
}

func (p *textPrinter) findings(findings []Finding) {
	for _, f := range findings {
		label := fmt.Sprintf("%-8s", strings.ToUpper(string(f.Severity)))
		p.printf("\n%s [%s] %s\n", p.paint(f.Severity, label), f.Check, f.Summary)
		if f.ExplainsErrors {
			p.printf("         This is the likely cause of the STS errors that the workloads report.\n")
		}
		for _, line := range f.Evidence {
			p.printf("         - %s\n", line)
		}
		if f.Fix != "" {
			p.printf("         Fix: %s\n", f.Fix)
		}
	}
}

// chain writes the certificate table under a title with the host and TLS version.
func (p *textPrinter) chain(c *Chain, title string) {
	if c == nil || len(c.Certificates) == 0 {
		return
	}
	p.printf("\n"+title, c.Host, c.TLSVersion)
	p.table([]string{"POS", "SHA-1 THUMBPRINT", "IN IAM", "NOT AFTER", "SUBJECT"}, len(c.Certificates), func(i int) []string {
		cert := c.Certificates[i]
		return []string{
			fmt.Sprint(cert.Position),
			cert.Thumbprint,
			inIAM(c.IAMCompared, cert.InIAM),
			cert.NotAfter.Format("2006-01-02"),
			cert.Subject,
		}
	})
}

func (p *textPrinter) serviceAccounts(accounts []ServiceAccount) {
	if len(accounts) == 0 {
		return
	}
	p.printf("\nService accounts with an IAM role:\n")
	p.table([]string{"NAMESPACE", "NAME", "ROLE", "AUDIENCE", "PODS"}, len(accounts), func(i int) []string {
		sa := accounts[i]
		return []string{sa.Namespace, sa.Name, sa.RoleARN, sa.Audience, fmt.Sprint(sa.Pods)}
	})
}

func (p *textPrinter) affected(pods []AffectedPod) {
	if len(pods) == 0 {
		return
	}
	p.printf("\nObjects that report STS errors:\n")
	p.table([]string{"NAMESPACE", "OBJECT", "WORKLOAD", "SERVICE ACCOUNT", "ROLE", "CAUSE", "COUNT", "LAST SEEN"}, len(pods), func(i int) []string {
		a := pods[i]
		lastSeen := "-"
		if !a.LastSeen.IsZero() {
			lastSeen = a.LastSeen.Format("2006-01-02 15:04Z")
		}
		workload := a.Workload
		if workload == "" && a.ReportedBy != "" {
			workload = "reported by " + a.ReportedBy
		}
		return []string{
			a.Namespace,
			strings.ToLower(a.Kind) + "/" + a.Name,
			dash(workload),
			dash(a.ServiceAccount),
			dash(a.Role),
			a.Code + ": " + a.Cause,
			fmt.Sprint(a.Count),
			lastSeen,
		}
	})
}

// table writes a tab-aligned table with a header row.
func (p *textPrinter) table(header []string, rows int, row func(int) []string) {
	if p.err != nil {
		return
	}
	tw := printers.GetNewTabWriter(p.w)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for i := 0; i < rows; i++ {
		cells := row(i)
		for j := range cells {
			cells[j] = cell(cells[j])
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	p.err = tw.Flush()
}

func inIAM(compared, in bool) string {
	switch {
	case !compared:
		return "-"
	case in:
		return "yes"
	default:
		return "no"
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}

	return s
}
