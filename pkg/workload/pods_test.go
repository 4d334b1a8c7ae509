package workload

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const testRole = "arn:aws:iam::123456789012:role/app"

// injectedPod returns a pod as the EKS pod identity webhook mutates it.
func injectedPod(roleARN, audience string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "app-0", Namespace: "ns"},
		Spec: corev1.PodSpec{
			ServiceAccountName: "app",
			Containers: []corev1.Container{{
				Name: "app",
				Env: []corev1.EnvVar{
					{Name: "AWS_ROLE_ARN", Value: roleARN},
					{Name: "AWS_WEB_IDENTITY_TOKEN_FILE", Value: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"},
				},
				VolumeMounts: []corev1.VolumeMount{{Name: "aws-iam-token", MountPath: "/var/run/secrets/eks.amazonaws.com/serviceaccount"}},
			}},
			Volumes: []corev1.Volume{{
				Name: "aws-iam-token",
				VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{
					ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Audience: audience, Path: "token"},
				}}}},
			}},
		},
	}
}

func TestCheckInjection(t *testing.T) {
	sa := ServiceAccount{Namespace: "ns", Name: "app", RoleARN: testRole, Audience: DefaultAudience}
	bare := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "app-0", Namespace: "ns"}, Spec: corev1.PodSpec{
		ServiceAccountName: "app", Containers: []corev1.Container{{Name: "app"}},
	}}

	tests := []struct {
		name string
		pod  *corev1.Pod
		want []Problem
	}{
		{name: "injected", pod: injectedPod(testRole, DefaultAudience)},
		{name: "not injected", pod: bare, want: []Problem{NotInjected}},
		{name: "stale role", pod: injectedPod("arn:aws:iam::123456789012:role/old", DefaultAudience), want: []Problem{StaleRole}},
		{name: "audience mismatch", pod: injectedPod(testRole, "vault"), want: []Problem{AudienceMismatch}},
		{name: "stale role and audience", pod: injectedPod("arn:aws:iam::123456789012:role/old", "vault"), want: []Problem{StaleRole, AudienceMismatch}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issues := checkInjection(tt.pod, sa)

			if len(issues) != len(tt.want) {
				t.Fatalf("checkInjection() = %+v, want problems %v", issues, tt.want)
			}
			for i, issue := range issues {
				if issue.Problem != tt.want[i] {
					t.Errorf("checkInjection()[%d].Problem = %s, want %s", i, issue.Problem, tt.want[i])
				}
				if issue.Detail == "" {
					t.Errorf("checkInjection()[%d].Detail is empty", i)
				}
			}
		})
	}
}

func TestOwner(t *testing.T) {
	controller := true
	pod := func(kind, name string, labels map[string]string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p-0", Labels: labels}}
		if kind != "" {
			p.OwnerReferences = []metav1.OwnerReference{{Kind: kind, Name: name, Controller: &controller}}
		}
		return p
	}

	tests := []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{name: "deployment", pod: pod("ReplicaSet", "api-7d9f8b6c4", map[string]string{"pod-template-hash": "7d9f8b6c4"}), want: "deployment/api"},
		{name: "replicaset without hash", pod: pod("ReplicaSet", "api-abc", nil), want: "replicaset/api-abc"},
		{name: "statefulset", pod: pod("StatefulSet", "db", nil), want: "statefulset/db"},
		{name: "daemonset", pod: pod("DaemonSet", "agent", nil), want: "daemonset/agent"},
		{name: "job", pod: pod("Job", "migrate", nil), want: "job/migrate"},
		{name: "bare pod", pod: pod("", "", nil), want: "pod/p-0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Owner(tt.pod); got != tt.want {
				t.Errorf("Owner() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUsesPodIdentity(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Env: []corev1.EnvVar{
		{Name: "AWS_CONTAINER_CREDENTIALS_FULL_URI", Value: "http://169.254.170.23/v1/credentials"},
		{Name: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", Value: "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token"},
	}}}}}

	if !usesPodIdentity(pod) {
		t.Errorf("usesPodIdentity(Pod Identity pod) = false, want true")
	}
	if usesPodIdentity(injectedPod(testRole, DefaultAudience)) {
		t.Errorf("usesPodIdentity(IRSA pod) = true, want false")
	}
}
