// Package report defines the result of a diagnosis and renders it as text,
// JSON or YAML. The JSON and YAML field names are a stable, documented
// schema: add fields, never rename or remove them within a schema version.
package report

import "time"

// SchemaVersion is the version of the JSON and YAML schema.
const SchemaVersion = "oidc-thumbprint/v1"

// Severity ranks a finding. The exit code of diagnose follows the worst one.
type Severity string

const (
	// OK means the check ran and found nothing wrong.
	OK Severity = "ok"
	// Warning means something needs attention but does not break credentials today.
	Warning Severity = "warning"
	// Failure means the check found a cause of failing credentials.
	Failure Severity = "failure"
	// Error means the check could not run, so its part of the diagnosis is missing.
	Error Severity = "error"
)

// rank orders severities for sorting and for the verdict.
func (s Severity) rank() int {
	switch s {
	case Failure:
		return 3
	case Error:
		return 2
	case Warning:
		return 1
	default:
		return 0
	}
}

// Check names the part of the diagnosis a finding comes from.
type Check string

const (
	CheckIssuer     Check = "issuer"
	CheckDiscovery  Check = "discovery"
	CheckJWKS       Check = "jwks"
	CheckProvider   Check = "provider"
	CheckAudience   Check = "audience"
	CheckThumbprint Check = "thumbprint"
	CheckChain      Check = "chain"
	CheckWorkloads  Check = "workloads"
	CheckPods       Check = "pods"
	CheckTrust      Check = "trust"
	CheckErrors     Check = "observed-errors"
)

// Report is the whole result of one diagnose run.
type Report struct {
	SchemaVersion string    `json:"schemaVersion"`
	GeneratedAt   time.Time `json:"generatedAt"`
	// Verdict is the worst severity among the findings.
	Verdict Severity `json:"verdict"`

	Cluster  Cluster   `json:"cluster"`
	Issuer   Issuer    `json:"issuer"`
	Provider *Provider `json:"provider,omitempty"`
	Chain    *Chain    `json:"chain,omitempty"`
	// IssuerHostChain is the chain of the issuer host, present only when the
	// JWKS URI is on another host. IAM does not check it.
	IssuerHostChain *Chain           `json:"issuerHostChain,omitempty"`
	ServiceAccounts []ServiceAccount `json:"serviceAccounts"`
	AffectedPods    []AffectedPod    `json:"affectedPods"`
	Findings        []Finding        `json:"findings"`
}

// Cluster identifies the kubeconfig context that was diagnosed.
type Cluster struct {
	Context string `json:"context,omitempty"`
	Server  string `json:"server,omitempty"`
}

// Issuer records where the service account issuer and its keys came from.
type Issuer struct {
	// URL is the issuer, as the API server or --issuer gave it.
	URL string `json:"url"`
	// Source is "api-server" or "flag".
	Source string `json:"source"`
	// JWKSURI is the jwks_uri of the public discovery document.
	JWKSURI string `json:"jwksURI,omitempty"`
	// PublicKeyIDs are the key IDs in the public JWKS.
	PublicKeyIDs []string `json:"publicKeyIDs"`
	// ClusterKeyIDs are the key IDs in the API server's /openid/v1/jwks.
	ClusterKeyIDs []string `json:"clusterKeyIDs"`
}

// Provider is the IAM OIDC identity provider for the issuer.
type Provider struct {
	ARN         string   `json:"arn"`
	URL         string   `json:"url"`
	ClientIDs   []string `json:"clientIDs"`
	Thumbprints []string `json:"thumbprints"`
}

// Chain is the certificate chain that the JWKS host presented.
type Chain struct {
	// Host is the host:port that was dialled.
	Host       string `json:"host"`
	TLSVersion string `json:"tlsVersion,omitempty"`
	// Certificates are in presented order: position 0 is the leaf and the
	// last one is the top certificate, whose thumbprint IAM should hold.
	Certificates []Certificate `json:"certificates"`
	// PublicRoot is true when the chain verifies against the CAs treated as
	// trusted by AWS, so IAM does not consult the thumbprint.
	PublicRoot bool `json:"publicRoot"`
	// SystemRoot is true when the chain verifies against the local system pool.
	SystemRoot bool `json:"systemRoot"`
	// ThumbprintEnforced is true when IAM compares the thumbprint: the chain
	// does not lead to a CA that AWS trusts.
	ThumbprintEnforced bool `json:"thumbprintEnforced"`
	// InterceptionSigns lists reasons to think that a TLS-inspecting proxy
	// changes the chain seen here, so AWS receives another one.
	InterceptionSigns []string `json:"interceptionSigns,omitempty"`
	// IAMCompared is false when no provider's thumbprint list was read, so
	// the certificates' inIAM fields carry no information.
	IAMCompared bool `json:"iamCompared"`
}

// Certificate is one presented certificate.
type Certificate struct {
	Position   int       `json:"position"`
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	NotBefore  time.Time `json:"notBefore"`
	NotAfter   time.Time `json:"notAfter"`
	Thumbprint string    `json:"thumbprint"`
	// InIAM is true when the provider's thumbprint list holds this certificate's thumbprint.
	InIAM bool `json:"inIAM"`
}

// ServiceAccount is a service account annotated with an IAM role.
type ServiceAccount struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	RoleARN   string `json:"roleARN"`
	Audience  string `json:"audience"`
	Pods      int    `json:"pods"`
}

// AffectedPod is a pod, or another object, that reports an STS error.
type AffectedPod struct {
	Namespace string `json:"namespace"`
	// Kind is "Pod" unless the error was reported on another kind of object.
	Kind           string `json:"kind"`
	Name           string `json:"name"`
	ServiceAccount string `json:"serviceAccount,omitempty"`
	// Workload is the pod's owner, such as "deployment/api".
	Workload string `json:"workload,omitempty"`
	// Role is the role annotation of ServiceAccount, when it has one.
	Role string `json:"role,omitempty"`
	// ReportedBy is the component that recorded the event.
	ReportedBy string    `json:"reportedBy,omitempty"`
	Code       string    `json:"code"`
	Cause      string    `json:"cause"`
	Message    string    `json:"message"`
	Source     string    `json:"source"`
	Count      int       `json:"count"`
	LastSeen   time.Time `json:"lastSeen,omitzero"`
}

// Finding is one conclusion with its evidence and fix.
type Finding struct {
	Check    Check    `json:"check"`
	Severity Severity `json:"severity"`
	Summary  string   `json:"summary"`
	// Evidence holds the observed facts the summary rests on.
	Evidence []string `json:"evidence,omitempty"`
	// Fix is a ready command or the exact change that resolves the finding.
	Fix string `json:"fix,omitempty"`
	// ExplainsErrors is true when this finding is the likely cause of the
	// STS errors the workloads report.
	ExplainsErrors bool `json:"explainsErrors,omitempty"`
}

// Worst returns the most severe severity among findings, OK when empty.
func Worst(findings []Finding) Severity {
	worst := OK
	for _, f := range findings {
		if f.Severity.rank() > worst.rank() {
			worst = f.Severity
		}
	}

	return worst
}

// ExitCode maps a verdict to the exit code of diagnose: 0 when nothing
// failed, 1 when a check failed, 2 when a check could not run and none failed.
func ExitCode(verdict Severity) int {
	switch verdict {
	case Failure:
		return 1
	case Error:
		return 2
	default:
		return 0
	}
}
