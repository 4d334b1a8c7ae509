package diagnose

import (
	"fmt"
	"strings"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/report"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/workload"
)

// podProblemSummaries explain each pod problem and why a restart fixes it.
var podProblemSummaries = map[workload.Problem]string{
	workload.NotInjected: "%d pod(s) of annotated service accounts lack AWS_ROLE_ARN and the web identity token, " +
		"because they were created before the annotation or while the pod identity webhook was down; they must be recreated",
	workload.StaleRole: "%d pod(s) run with an AWS_ROLE_ARN that differs from their service account's annotation, " +
		"because the annotation changed after they were created; they must be recreated",
	workload.AudienceMismatch: "%d pod(s) mount a token whose audience differs from their service account's audience annotation; they must be recreated",
}

// podFindings reports pods whose web identity settings do not match their
// service account, one finding per problem, with the restart commands.
func (ev *evidence) podFindings() []report.Finding {
	if ev.workloads == nil || len(ev.workloads.PodIssues) == 0 {
		return nil
	}

	byProblem := map[workload.Problem][]workload.PodIssue{}
	var problems []workload.Problem
	for _, issue := range ev.workloads.PodIssues {
		if _, seen := byProblem[issue.Problem]; !seen {
			problems = append(problems, issue.Problem)
		}
		byProblem[issue.Problem] = append(byProblem[issue.Problem], issue)
	}

	var findings []report.Finding
	for _, problem := range problems {
		issues := byProblem[problem]
		f := report.Finding{
			Check:    report.CheckPods,
			Severity: report.Failure,
			Summary:  fmt.Sprintf(podProblemSummaries[problem], len(issues)),
			Fix:      restartCommands(issues),
		}
		for i, issue := range issues {
			if i == maxListed {
				f.Evidence = append(f.Evidence, fmt.Sprintf("and %d more", len(issues)-maxListed))
				break
			}
			f.Evidence = append(f.Evidence, fmt.Sprintf("pod %s/%s (service account %s, %s): %s",
				issue.Namespace, issue.Pod, issue.ServiceAccount, issue.Owner, issue.Detail))
		}
		findings = append(findings, f)
	}

	return findings
}

// restartCommands returns one kubectl command per distinct owner: a
// rollout restart for Deployments, StatefulSets and DaemonSets, and a pod
// deletion otherwise (its controller, if any, creates a new one).
func restartCommands(issues []workload.PodIssue) string {
	var commands []string
	seen := map[string]bool{}
	for _, issue := range issues {
		key := issue.Namespace + "/" + issue.Owner
		if seen[key] {
			continue
		}
		seen[key] = true

		kind, _, _ := strings.Cut(issue.Owner, "/")
		switch kind {
		case "deployment", "statefulset", "daemonset":
			commands = append(commands, fmt.Sprintf("kubectl rollout restart %s -n %s", issue.Owner, issue.Namespace))
		default:
			commands = append(commands, fmt.Sprintf("kubectl delete pod %s -n %s", issue.Pod, issue.Namespace))
		}
	}

	return strings.Join(commands, " && ")
}
