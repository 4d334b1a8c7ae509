package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
)

func TestWorst(t *testing.T) {
	tests := []struct {
		name       string
		severities []report.Severity
		want       report.Severity
	}{
		{name: "no findings", severities: nil, want: report.OK},
		{name: "only ok", severities: []report.Severity{report.OK, report.OK}, want: report.OK},
		{name: "warning over ok", severities: []report.Severity{report.OK, report.Warning}, want: report.Warning},
		{name: "error over warning", severities: []report.Severity{report.Warning, report.Error, report.OK}, want: report.Error},
		{name: "failure over error", severities: []report.Severity{report.Error, report.Failure}, want: report.Failure},
		{name: "failure first", severities: []report.Severity{report.Failure, report.Error, report.Warning}, want: report.Failure},
		{name: "unknown ranks as ok", severities: []report.Severity{"unknown"}, want: report.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var findings []report.Finding
			for _, s := range tt.severities {
				findings = append(findings, report.Finding{Check: report.CheckIssuer, Severity: s})
			}
			if got := report.Worst(findings); got != tt.want {
				t.Errorf("Worst(%q) = %q, want %q", tt.severities, got, tt.want)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name    string
		verdict report.Severity
		want    int
	}{
		{name: "ok", verdict: report.OK, want: 0},
		{name: "warning", verdict: report.Warning, want: 0},
		{name: "failure", verdict: report.Failure, want: 1},
		{name: "error", verdict: report.Error, want: 2},
		{name: "empty", verdict: "", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := report.ExitCode(tt.verdict); got != tt.want {
				t.Errorf("ExitCode(%q) = %d, want %d", tt.verdict, got, tt.want)
			}
		})
	}
}

var (
	generatedAt = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	lastSeen    = time.Date(2026, 3, 1, 11, 58, 0, 0, time.UTC)
)

// filledReport returns a report with every field set, so that every JSON
// field is present in its encoding.
func filledReport() *report.Report {
	return &report.Report{
		SchemaVersion: report.SchemaVersion,
		GeneratedAt:   generatedAt,
		Verdict:       report.Failure,
		Cluster:       report.Cluster{Context: "prod", Server: "https://api.prod.example.com"},
		Issuer: report.Issuer{
			URL:           "https://oidc.eks.us-west-2.amazonaws.com/id/ABC",
			Source:        "api-server",
			JWKSURI:       "https://oidc.eks.us-west-2.amazonaws.com/id/ABC/keys",
			PublicKeyIDs:  []string{"key-1"},
			ClusterKeyIDs: []string{"key-1", "key-2"},
		},
		Provider: &report.Provider{
			ARN:         "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC",
			URL:         "oidc.eks.us-west-2.amazonaws.com/id/ABC",
			ClientIDs:   []string{"sts.amazonaws.com"},
			Thumbprints: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"},
		},
		Chain: &report.Chain{
			Host:       "oidc.eks.us-west-2.amazonaws.com:443",
			TLSVersion: "TLS 1.3",
			Certificates: []report.Certificate{
				{
					Position:   0,
					Subject:    "CN=oidc.eks.us-west-2.amazonaws.com",
					Issuer:     "CN=Amazon RSA 2048 M02,O=Amazon,C=US",
					NotBefore:  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
					NotAfter:   time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
					Thumbprint: "1111111111111111111111111111111111111111",
				},
				{
					Position:   1,
					Subject:    "CN=Amazon Root CA 1,O=Amazon,C=US",
					Issuer:     "CN=Starfield Services Root Certificate Authority - G2",
					NotBefore:  time.Date(2015, 5, 25, 0, 0, 0, 0, time.UTC),
					NotAfter:   time.Date(2037, 12, 31, 0, 0, 0, 0, time.UTC),
					Thumbprint: "9e99a48a9960b14926bb7f3b02e22da2b0ab7280",
					InIAM:      true,
				},
			},
			PublicRoot:         false,
			SystemRoot:         true,
			ThumbprintEnforced: true,
			InterceptionSigns:  []string{"HTTPS_PROXY routes this connection through proxy.corp.example:3128"},
			IAMCompared:        true,
		},
		IssuerHostChain: &report.Chain{
			Host:       "issuer.example.com:443",
			TLSVersion: "TLS 1.2",
			Certificates: []report.Certificate{
				{Position: 0, Subject: "CN=issuer.example.com", Thumbprint: "2222222222222222222222222222222222222222"},
			},
		},
		ServiceAccounts: []report.ServiceAccount{
			{Namespace: "payments", Name: "api", RoleARN: "arn:aws:iam::111122223333:role/payments-api", Audience: "sts.amazonaws.com", Pods: 3},
		},
		AffectedPods: []report.AffectedPod{
			{
				Namespace:      "payments",
				Kind:           "Pod",
				Name:           "api-7d9c",
				ServiceAccount: "api",
				Workload:       "deployment/api",
				Role:           "arn:aws:iam::111122223333:role/payments-api",
				ReportedBy:     "kubelet",
				Code:           "InvalidIdentityToken",
				Cause:          "thumbprint-mismatch",
				Message:        "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
				Source:         "event FailedMount",
				Count:          4,
				LastSeen:       lastSeen,
			},
		},
		Findings: []report.Finding{
			{
				Check:          report.CheckThumbprint,
				Severity:       report.Failure,
				Summary:        "IAM holds no thumbprint of any presented certificate",
				Evidence:       []string{"IAM thumbprints: 0000000000000000000000000000000000000000"},
				Fix:            "aws iam update-open-id-connect-provider-thumbprint --thumbprint-list 9e99a48a9960b14926bb7f3b02e22da2b0ab7280",
				ExplainsErrors: true,
			},
			{
				Check:    report.CheckAudience,
				Severity: report.OK,
				Summary:  "the provider's client IDs include every audience in use: sts.amazonaws.com",
			},
		},
	}
}

// jsonKeys returns the sorted keys of a JSON object.
func jsonKeys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var object map[string]json.RawMessage
	if err := json.Unmarshal(raw, &object); err != nil {
		t.Fatalf("decode JSON object %s: %v", raw, err)
	}
	keys := make([]string, 0, len(object))
	for key := range object {
		keys = append(keys, key)
	}
	slices.Sort(keys)

	return keys
}

// jsonField returns the value of key in a JSON object.
func jsonField(t *testing.T, raw json.RawMessage, key string) json.RawMessage {
	t.Helper()
	var object map[string]json.RawMessage
	if err := json.Unmarshal(raw, &object); err != nil {
		t.Fatalf("decode JSON object %s: %v", raw, err)
	}
	value, ok := object[key]
	if !ok {
		t.Fatalf("JSON object has no %q field: %s", key, raw)
	}

	return value
}

// jsonFirst returns the first element of a JSON array.
func jsonFirst(t *testing.T, raw json.RawMessage) json.RawMessage {
	t.Helper()
	var array []json.RawMessage
	if err := json.Unmarshal(raw, &array); err != nil {
		t.Fatalf("decode JSON array %s: %v", raw, err)
	}
	if len(array) == 0 {
		t.Fatalf("JSON array is empty, want at least one element")
	}

	return array[0]
}

// TestJSONFieldNames pins the field names of the JSON schema, which scripts
// depend on: fields may be added, never renamed or removed.
func TestJSONFieldNames(t *testing.T) {
	var out bytes.Buffer
	if err := report.Write(&out, filledReport(), "json"); err != nil {
		t.Fatalf("Write(json) error = %v", err)
	}
	doc := json.RawMessage(out.Bytes())

	tests := []struct {
		name   string
		object func() json.RawMessage
		want   []string
	}{
		{
			name:   "report",
			object: func() json.RawMessage { return doc },
			want: []string{"affectedPods", "chain", "cluster", "findings", "generatedAt", "issuer",
				"issuerHostChain", "provider", "schemaVersion", "serviceAccounts", "verdict"},
		},
		{
			name:   "cluster",
			object: func() json.RawMessage { return jsonField(t, doc, "cluster") },
			want:   []string{"context", "server"},
		},
		{
			name:   "issuer",
			object: func() json.RawMessage { return jsonField(t, doc, "issuer") },
			want:   []string{"clusterKeyIDs", "jwksURI", "publicKeyIDs", "source", "url"},
		},
		{
			name:   "provider",
			object: func() json.RawMessage { return jsonField(t, doc, "provider") },
			want:   []string{"arn", "clientIDs", "thumbprints", "url"},
		},
		{
			name:   "chain",
			object: func() json.RawMessage { return jsonField(t, doc, "chain") },
			want: []string{"certificates", "host", "iamCompared", "interceptionSigns", "publicRoot", "systemRoot",
				"thumbprintEnforced", "tlsVersion"},
		},
		{
			name:   "certificate",
			object: func() json.RawMessage { return jsonFirst(t, jsonField(t, jsonField(t, doc, "chain"), "certificates")) },
			want:   []string{"inIAM", "issuer", "notAfter", "notBefore", "position", "subject", "thumbprint"},
		},
		{
			name:   "service account",
			object: func() json.RawMessage { return jsonFirst(t, jsonField(t, doc, "serviceAccounts")) },
			want:   []string{"audience", "name", "namespace", "pods", "roleARN"},
		},
		{
			name:   "affected pod",
			object: func() json.RawMessage { return jsonFirst(t, jsonField(t, doc, "affectedPods")) },
			want: []string{"cause", "code", "count", "kind", "lastSeen", "message", "name", "namespace",
				"reportedBy", "role", "serviceAccount", "source", "workload"},
		},
		{
			name:   "finding",
			object: func() json.RawMessage { return jsonFirst(t, jsonField(t, doc, "findings")) },
			want:   []string{"check", "evidence", "explainsErrors", "fix", "severity", "summary"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jsonKeys(t, tt.object())
			for _, key := range tt.want {
				if !slices.Contains(got, key) {
					t.Errorf("JSON %s fields = %q, want a %q field", tt.name, got, key)
				}
			}
			for _, key := range got {
				if !slices.Contains(tt.want, key) {
					t.Errorf("JSON %s has field %q, want it added to this test, which pins the schema", tt.name, key)
				}
			}
		})
	}
}

func TestJSONValues(t *testing.T) {
	var out bytes.Buffer
	if err := report.Write(&out, filledReport(), "json"); err != nil {
		t.Fatalf("Write(json) error = %v", err)
	}
	var got struct {
		SchemaVersion string `json:"schemaVersion"`
		GeneratedAt   string `json:"generatedAt"`
		Verdict       string `json:"verdict"`
		Findings      []struct {
			Check    string `json:"check"`
			Severity string `json:"severity"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("decode Write(json) output: %v\n%s", err, out.Bytes())
	}

	if got.SchemaVersion != "oidc-thumbprint/v1" {
		t.Errorf("schemaVersion = %q, want %q", got.SchemaVersion, "oidc-thumbprint/v1")
	}
	if got.GeneratedAt != "2026-03-01T12:00:00Z" {
		t.Errorf("generatedAt = %q, want %q", got.GeneratedAt, "2026-03-01T12:00:00Z")
	}
	if got.Verdict != "failure" {
		t.Errorf("verdict = %q, want %q", got.Verdict, "failure")
	}
	if len(got.Findings) != 2 {
		t.Fatalf("len(findings) = %d, want 2", len(got.Findings))
	}
	if got.Findings[0].Check != "thumbprint" {
		t.Errorf("findings[0].check = %q, want %q", got.Findings[0].Check, "thumbprint")
	}
	if got.Findings[1].Severity != "ok" {
		t.Errorf("findings[1].severity = %q, want %q", got.Findings[1].Severity, "ok")
	}
	if !strings.HasSuffix(out.String(), "}\n") {
		t.Errorf("Write(json) output ends with %q, want a newline after the object", out.String()[max(0, out.Len()-5):])
	}
}

func TestJSONOmitsEmptyOptionalFields(t *testing.T) {
	r := &report.Report{
		SchemaVersion:   report.SchemaVersion,
		Verdict:         report.OK,
		Issuer:          report.Issuer{URL: "https://issuer.example.com", Source: "flag"},
		ServiceAccounts: []report.ServiceAccount{},
		AffectedPods:    []report.AffectedPod{{Namespace: "ns", Kind: "Pod", Name: "p"}},
		Findings:        []report.Finding{{Check: report.CheckIssuer, Severity: report.OK, Summary: "ok"}},
	}
	var out bytes.Buffer
	if err := report.Write(&out, r, "json"); err != nil {
		t.Fatalf("Write(json) error = %v", err)
	}
	doc := json.RawMessage(out.Bytes())

	tests := []struct {
		name   string
		object json.RawMessage
		absent string
	}{
		{name: "report without provider", object: doc, absent: "provider"},
		{name: "report without chain", object: doc, absent: "chain"},
		{name: "report without issuer host chain", object: doc, absent: "issuerHostChain"},
		{name: "issuer without jwks_uri", object: jsonField(t, doc, "issuer"), absent: "jwksURI"},
		{name: "cluster without context", object: jsonField(t, doc, "cluster"), absent: "context"},
		{name: "finding without fix", object: jsonFirst(t, jsonField(t, doc, "findings")), absent: "fix"},
		{name: "finding without evidence", object: jsonFirst(t, jsonField(t, doc, "findings")), absent: "evidence"},
		{name: "finding not explaining errors", object: jsonFirst(t, jsonField(t, doc, "findings")), absent: "explainsErrors"},
		{name: "affected pod without service account", object: jsonFirst(t, jsonField(t, doc, "affectedPods")), absent: "serviceAccount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if keys := jsonKeys(t, tt.object); slices.Contains(keys, tt.absent) {
				t.Errorf("JSON fields = %q, want no %q field when it is empty", keys, tt.absent)
			}
		})
	}
}

func TestJSONOmitsUnknownLastSeen(t *testing.T) {
	r := &report.Report{AffectedPods: []report.AffectedPod{{Namespace: "ns", Kind: "Pod", Name: "p"}}}
	var out bytes.Buffer
	if err := report.Write(&out, r, "json"); err != nil {
		t.Fatalf("Write(json) error = %v", err)
	}
	pod := jsonFirst(t, jsonField(t, json.RawMessage(out.Bytes()), "affectedPods"))
	if keys := jsonKeys(t, pod); slices.Contains(keys, "lastSeen") {
		t.Errorf("JSON affected pod fields = %q, want no %q field when the time is unknown", keys, "lastSeen")
	}
}

func TestWriteYAML(t *testing.T) {
	var out bytes.Buffer
	if err := report.Write(&out, filledReport(), "yaml"); err != nil {
		t.Fatalf("Write(yaml) error = %v", err)
	}

	if !strings.Contains(out.String(), "schemaVersion: oidc-thumbprint/v1\n") {
		t.Errorf("Write(yaml) output lacks %q:\n%s", "schemaVersion: oidc-thumbprint/v1", out.String())
	}
	var decoded report.Report
	if err := yaml.Unmarshal(out.Bytes(), &decoded); err != nil {
		t.Fatalf("decode Write(yaml) output: %v", err)
	}
	if decoded.Verdict != report.Failure {
		t.Errorf("decoded YAML verdict = %q, want %q", decoded.Verdict, report.Failure)
	}
	if len(decoded.Findings) != 2 {
		t.Fatalf("decoded YAML has %d findings, want 2", len(decoded.Findings))
	}
	if !decoded.Findings[0].ExplainsErrors {
		t.Errorf("decoded YAML findings[0].ExplainsErrors = false, want true")
	}
	if decoded.Provider == nil || decoded.Provider.ARN != filledReport().Provider.ARN {
		t.Errorf("decoded YAML provider = %+v, want ARN %q", decoded.Provider, filledReport().Provider.ARN)
	}
}

func TestWriteFormats(t *testing.T) {
	tests := []struct {
		name   string
		format string
		// wantPrefix is the start of the output.
		wantPrefix string
		wantErr    string
	}{
		{name: "default is text", format: "", wantPrefix: "Context:   prod (https://api.prod.example.com)\n"},
		{name: "text", format: "text", wantPrefix: "Context:   prod (https://api.prod.example.com)\n"},
		{name: "json", format: "json", wantPrefix: "{\n  \"schemaVersion\": \"oidc-thumbprint/v1\","},
		{name: "yaml", format: "yaml", wantPrefix: "affectedPods:\n"},
		{name: "invalid", format: "wide", wantErr: `invalid output format "wide": allowed values are text, json, yaml`},
		{name: "case matters", format: "JSON", wantErr: `invalid output format "JSON"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := report.Write(&out, filledReport(), tt.format)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Write(%q) error = nil, want %q", tt.format, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Write(%q) error = %q, want it to contain %q", tt.format, err, tt.wantErr)
				}
				if out.Len() != 0 {
					t.Errorf("Write(%q) wrote %q, want nothing with an invalid format", tt.format, out.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("Write(%q) error = %v, want nil", tt.format, err)
			}
			if !strings.HasPrefix(out.String(), tt.wantPrefix) {
				t.Errorf("Write(%q) output starts %q, want %q", tt.format, out.String()[:min(out.Len(), 80)], tt.wantPrefix)
			}
		})
	}
}

// failingWriter fails every write.
type failingWriter struct{}

var errWrite = errors.New("disk full")

func (failingWriter) Write(p []byte) (int, error) { return 0, errWrite }

func TestWriteReturnsWriterError(t *testing.T) {
	for _, format := range []string{"text", "json", "yaml"} {
		t.Run(format, func(t *testing.T) {
			if err := report.Write(failingWriter{}, filledReport(), format); !errors.Is(err, errWrite) {
				t.Errorf("Write(failing writer, %q) error = %v, want %v", format, err, errWrite)
			}
		})
	}
}

func TestWriteText(t *testing.T) {
	r := filledReport()
	var out bytes.Buffer
	if err := report.WriteText(&out, r); err != nil {
		t.Fatalf("WriteText() error = %v", err)
	}
	text := out.String()

	tests := []struct {
		name string
		want string
	}{
		{name: "issuer line", want: "Issuer:    https://oidc.eks.us-west-2.amazonaws.com/id/ABC (from the API server)\n"},
		{name: "JWKS URI line", want: "JWKS URI:  https://oidc.eks.us-west-2.amazonaws.com/id/ABC/keys\n"},
		{name: "provider line", want: "Provider:  " + r.Provider.ARN + "\n"},
		{name: "verdict line", want: "Verdict:   FAILURE: a check found a cause of failing credentials\n"},
		{name: "failure summary", want: "FAILURE  [thumbprint] IAM holds no thumbprint of any presented certificate\n"},
		{name: "explains errors", want: "This is the likely cause of the STS errors that the workloads report.\n"},
		{name: "evidence", want: "         - IAM thumbprints: 0000000000000000000000000000000000000000\n"},
		{name: "fix", want: "         Fix: " + r.Findings[0].Fix + "\n"},
		{name: "ok summary", want: "OK       [audience] the provider's client IDs include every audience in use: sts.amazonaws.com\n"},
		{name: "chain title", want: "Certificates presented by oidc.eks.us-west-2.amazonaws.com:443 (TLS 1.3), leaf first:\n"},
		{name: "service account title", want: "Service accounts with an IAM role:\n"},
		{name: "affected title", want: "Objects that report STS errors:\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(text, tt.want) {
				t.Errorf("WriteText() output lacks %q:\n%s", tt.want, text)
			}
		})
	}
}

// tableRow returns the fields of the first line of text whose first field
// is first, or nil.
func tableRow(text, first string) []string {
	for line := range strings.SplitSeq(text, "\n") {
		fields := strings.Fields(line)
		if len(fields) > 0 && fields[0] == first {
			return fields
		}
	}

	return nil
}

func TestWriteTextTables(t *testing.T) {
	var out bytes.Buffer
	if err := report.WriteText(&out, filledReport()); err != nil {
		t.Fatalf("WriteText() error = %v", err)
	}
	text := out.String()

	tests := []struct {
		name  string
		first string
		want  []string
	}{
		{
			name:  "chain header",
			first: "POS",
			want:  []string{"POS", "SHA-1", "THUMBPRINT", "IN", "IAM", "NOT", "AFTER", "SUBJECT"},
		},
		{
			name:  "leaf row",
			first: "0",
			want:  []string{"0", "1111111111111111111111111111111111111111", "no", "2027-01-01", "CN=oidc.eks.us-west-2.amazonaws.com"},
		},
		{
			name:  "top row",
			first: "1",
			want:  []string{"1", "9e99a48a9960b14926bb7f3b02e22da2b0ab7280", "yes", "2037-12-31", "CN=Amazon", "Root", "CA", "1,O=Amazon,C=US"},
		},
		{
			name:  "service account header",
			first: "NAMESPACE",
			want:  []string{"NAMESPACE", "NAME", "ROLE", "AUDIENCE", "PODS"},
		},
		{
			name:  "service account row",
			first: "payments",
			want:  []string{"payments", "api", "arn:aws:iam::111122223333:role/payments-api", "sts.amazonaws.com", "3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tableRow(text, tt.first); !slices.Equal(got, tt.want) {
				t.Errorf("WriteText() row starting %q = %q, want %q\n%s", tt.first, got, tt.want, text)
			}
		})
	}
}

func TestWriteTextAffectedTable(t *testing.T) {
	r := filledReport()
	r.ServiceAccounts = nil
	r.AffectedPods = append(r.AffectedPods, report.AffectedPod{
		Namespace: "ingress",
		Kind:      "Ingress",
		Name:      "public",
		Code:      "InvalidIdentityToken",
		Cause:     "provider-not-found",
		Source:    "event FailedDeployModel",
		Count:     1,
	})
	var out bytes.Buffer
	if err := report.WriteText(&out, r); err != nil {
		t.Fatalf("WriteText() error = %v", err)
	}
	text := out.String()

	tests := []struct {
		name  string
		first string
		want  []string
	}{
		{
			name:  "header",
			first: "NAMESPACE",
			want:  []string{"NAMESPACE", "OBJECT", "WORKLOAD", "SERVICE", "ACCOUNT", "ROLE", "CAUSE", "COUNT", "LAST", "SEEN"},
		},
		{
			name:  "pod row",
			first: "payments",
			want: []string{"payments", "pod/api-7d9c", "deployment/api", "api", "arn:aws:iam::111122223333:role/payments-api",
				"InvalidIdentityToken:", "thumbprint-mismatch", "4", "2026-03-01", "11:58Z"},
		},
		{
			name:  "row without service account or time",
			first: "ingress",
			want:  []string{"ingress", "ingress/public", "-", "-", "-", "InvalidIdentityToken:", "provider-not-found", "1", "-"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tableRow(text, tt.first); !slices.Equal(got, tt.want) {
				t.Errorf("WriteText() row starting %q = %q, want %q\n%s", tt.first, got, tt.want, text)
			}
		})
	}
}

func TestWriteTextMinimal(t *testing.T) {
	r := &report.Report{
		Verdict:  report.Warning,
		Issuer:   report.Issuer{URL: "https://issuer.example.com", Source: "flag"},
		Findings: []report.Finding{{Check: report.CheckChain, Severity: report.Warning, Summary: "certificate expires soon"}},
	}
	var out bytes.Buffer
	if err := report.WriteText(&out, r); err != nil {
		t.Fatalf("WriteText() error = %v", err)
	}
	text := out.String()

	want := "Issuer:    https://issuer.example.com (from --issuer)\n" +
		"\n" +
		"Verdict:   OK with warnings\n" +
		"\n" +
		"WARNING  [chain] certificate expires soon\n"
	if text != want {
		t.Errorf("WriteText(minimal report) = %q, want %q", text, want)
	}
}

func TestWriteTextVerdicts(t *testing.T) {
	tests := []struct {
		name    string
		verdict report.Severity
		want    string
	}{
		{name: "ok", verdict: report.OK, want: "Verdict:   OK\n"},
		{name: "warning", verdict: report.Warning, want: "Verdict:   OK with warnings\n"},
		{name: "failure", verdict: report.Failure, want: "Verdict:   FAILURE: a check found a cause of failing credentials\n"},
		{name: "error", verdict: report.Error, want: "Verdict:   INCOMPLETE: some checks could not run\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			r := &report.Report{Verdict: tt.verdict, Issuer: report.Issuer{URL: "https://issuer.example.com"}}
			if err := report.WriteText(&out, r); err != nil {
				t.Fatalf("WriteText() error = %v", err)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("WriteText(verdict %q) = %q, want it to contain %q", tt.verdict, out.String(), tt.want)
			}
		})
	}
}
