package workload

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
)

// BenchmarkScan scans 10,000 pods and 10,000 Warning events, one in ten of
// them with an STS error, and reports the allocations of one scan.
func BenchmarkScan(b *testing.B) {
	const pods = 10000
	objects := make([]runtime.Object, 0, 2*pods+1)
	objects = append(objects, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{
		Name: "app", Namespace: "bench", Annotations: map[string]string{RoleARNAnnotation: "arn:aws:iam::123456789012:role/app"},
	}})
	for i := range pods {
		name := fmt.Sprintf("app-%d", i)
		objects = append(objects, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "bench"},
			Spec:       corev1.PodSpec{ServiceAccountName: "app"},
		})
		message := "Back-off restarting failed container app"
		if i%10 == 0 {
			message = "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: " +
				"OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint"
		}
		objects = append(objects, &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: name + ".1", Namespace: "bench"},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "bench", Name: name},
			Type:           corev1.EventTypeWarning,
			Reason:         "BackOff",
			Message:        message,
		})
	}
	client := fake.NewClientset(objects...)
	b.ReportAllocs()
	b.ResetTimer()

	for b.Loop() {
		result := Scan(context.Background(), client, Options{})
		if len(result.Hits) != pods/10 {
			b.Fatalf("hits = %d, want %d", len(result.Hits), pods/10)
		}
	}
}
