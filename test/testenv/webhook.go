package testenv

import (
	corev1 "k8s.io/api/core/v1"
)

// Mount path and volume name that the EKS pod identity webhook uses.
const (
	webIdentityMountPath  = "/var/run/secrets/eks.amazonaws.com/serviceaccount"
	webIdentityVolumeName = "aws-iam-token"
)

// InjectWebIdentity changes pod as the EKS pod identity webhook does for a
// service account annotated with roleARN and audience: env AWS_ROLE_ARN and
// AWS_WEB_IDENTITY_TOKEN_FILE in every container, and a projected token
// volume with that audience. The test cluster runs no webhook, so tests
// call it before creating a pod that the webhook would have mutated.
func InjectWebIdentity(pod *corev1.Pod, roleARN, audience string) {
	expiration := int64(86400)
	pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{
		Name: webIdentityVolumeName,
		VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{
			ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
				Audience:          audience,
				ExpirationSeconds: &expiration,
				Path:              "token",
			},
		}}}},
	})
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		c.Env = append(c.Env,
			corev1.EnvVar{Name: "AWS_ROLE_ARN", Value: roleARN},
			corev1.EnvVar{Name: "AWS_WEB_IDENTITY_TOKEN_FILE", Value: webIdentityMountPath + "/token"},
		)
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{
			Name:      webIdentityVolumeName,
			MountPath: webIdentityMountPath,
			ReadOnly:  true,
		})
	}
}
