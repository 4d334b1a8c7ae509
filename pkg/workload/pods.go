package workload

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Environment variables that the pod identity webhooks inject.
const (
	envRoleARN   = "AWS_ROLE_ARN"
	envTokenFile = "AWS_WEB_IDENTITY_TOKEN_FILE"
	// EKS Pod Identity sets these instead of the two above.
	envContainerCredentialsURI = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	envContainerTokenFile      = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
	// podIdentityAgentHost is the link-local address of the EKS Pod Identity agent.
	podIdentityAgentHost = "169.254.170.23"
)

// Problem names what is wrong with a pod's web identity settings.
type Problem string

const (
	// NotInjected means the pod has no AWS_ROLE_ARN or token file: it was
	// created before the annotation, or while the webhook was down.
	NotInjected Problem = "not-injected"
	// StaleRole means AWS_ROLE_ARN differs from the current annotation.
	StaleRole Problem = "stale-role"
	// AudienceMismatch means the projected token's audience differs from
	// the service account's audience.
	AudienceMismatch Problem = "audience-mismatch"
)

// PodIssue is a pod of an annotated service account whose web identity
// settings do not match the annotation, so it needs a restart.
type PodIssue struct {
	Namespace      string
	Pod            string
	ServiceAccount string
	Problem        Problem
	// Detail names the observed and expected values.
	Detail string
	// Owner is the workload to restart, such as "deployment/api", or
	// "pod/<name>" for a pod without a restartable controller.
	Owner string
}

// checkInjection compares a pod's web identity env and token volume with
// the annotations of its service account.
func checkInjection(pod *corev1.Pod, sa ServiceAccount) []PodIssue {
	issue := func(problem Problem, detail string) PodIssue {
		return PodIssue{
			Namespace:      pod.Namespace,
			Pod:            pod.Name,
			ServiceAccount: sa.Name,
			Problem:        problem,
			Detail:         detail,
			Owner:          Owner(pod),
		}
	}

	roleARN, hasRole := podEnv(pod, envRoleARN)
	_, hasTokenFile := podEnv(pod, envTokenFile)
	if !hasRole || !hasTokenFile {
		return []PodIssue{issue(NotInjected, fmt.Sprintf("no %s or %s in the pod's containers", envRoleARN, envTokenFile))}
	}

	var issues []PodIssue
	if roleARN != sa.RoleARN {
		issues = append(issues, issue(StaleRole, fmt.Sprintf("%s is %s, the annotation is %s", envRoleARN, roleARN, sa.RoleARN)))
	}
	if audience, ok := tokenAudience(pod); ok && audience != sa.Audience {
		issues = append(issues, issue(AudienceMismatch, fmt.Sprintf("the projected token's audience is %q, the service account's is %q", audience, sa.Audience)))
	}

	return issues
}

// podEnv returns the first value of an env var set in any container.
func podEnv(pod *corev1.Pod, name string) (string, bool) {
	containers := append(append([]corev1.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...)
	for _, c := range containers {
		for _, env := range c.Env {
			if env.Name == name {
				return env.Value, true
			}
		}
	}

	return "", false
}

// tokenAudience returns the audience of the projected service account
// token that the webhook adds, found by the mount path of the token file.
func tokenAudience(pod *corev1.Pod) (string, bool) {
	tokenFile, _ := podEnv(pod, envTokenFile)
	mountedVolume := ""
	for _, c := range pod.Spec.Containers {
		for _, mount := range c.VolumeMounts {
			if mount.MountPath != "" && strings.HasPrefix(tokenFile, strings.TrimSuffix(mount.MountPath, "/")+"/") {
				mountedVolume = mount.Name
			}
		}
	}

	for _, volume := range pod.Spec.Volumes {
		if volume.Name != mountedVolume || volume.Projected == nil {
			continue
		}
		for _, source := range volume.Projected.Sources {
			if source.ServiceAccountToken != nil {
				return source.ServiceAccountToken.Audience, true
			}
		}
	}

	return "", false
}

func usesPodIdentity(pod *corev1.Pod) bool {
	uri, ok := podEnv(pod, envContainerCredentialsURI)
	_, hasToken := podEnv(pod, envContainerTokenFile)

	return ok && hasToken && strings.Contains(uri, podIdentityAgentHost)
}

// Owner returns the workload that owns a pod, as "kind/name" for kubectl:
// a Deployment (from its ReplicaSet's name and the pod-template-hash label,
// without reading the ReplicaSet), StatefulSet, DaemonSet or Job, or
// "pod/<name>" when the pod has no controller.
func Owner(pod *corev1.Pod) string {
	for _, ref := range pod.OwnerReferences {
		if ref.Controller == nil || !*ref.Controller {
			continue
		}
		switch ref.Kind {
		case "ReplicaSet":
			hash := pod.Labels["pod-template-hash"]
			if deployment, ok := strings.CutSuffix(ref.Name, "-"+hash); ok && hash != "" {
				return "deployment/" + deployment
			}
			return "replicaset/" + ref.Name
		case "StatefulSet", "DaemonSet", "Job":
			return strings.ToLower(ref.Kind) + "/" + ref.Name
		}
	}

	return "pod/" + pod.Name
}
