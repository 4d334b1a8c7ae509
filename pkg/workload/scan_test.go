package workload_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/stserr"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/workload"
)

// STS errors as the SDKs print them in events and termination messages.
const (
	thumbprintBoto3 = "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: " +
		"OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint"
	notFoundGoV2 = "operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 400, " +
		"RequestID: 1f2e3d4c-5b6a-4798-8a6b-000000000002, InvalidIdentityToken: " +
		"No OpenIDConnect provider found in your account for https://oidc.eks.us-west-2.amazonaws.com/id/ABC"
	audienceGoV1 = "WebIdentityErr: failed to retrieve credentials\ncaused by: InvalidIdentityToken: Incorrect token audience\n" +
		"\tstatus code: 400, request id: 5f0c1a8e-1b2c-4d3e-8f40-000000000001"
)

var (
	eventsResource = schema.GroupVersionResource{Version: "v1", Resource: "events"}
	eventKind      = schema.GroupVersionKind{Version: "v1", Kind: "Event"}
	now            = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

func serviceAccount(namespace, name string, annotations map[string]string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Annotations: annotations},
	}
}

func pod(namespace, name, serviceAccount string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec:       corev1.PodSpec{ServiceAccountName: serviceAccount},
	}
}

func event(namespace, name, eventType, reason, message string, involved corev1.ObjectReference) *corev1.Event {
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: namespace, Name: name},
		InvolvedObject: involved,
		Type:           eventType,
		Reason:         reason,
		Message:        message,
		Count:          1,
		LastTimestamp:  metav1.NewTime(now),
	}
}

func podRef(namespace, name string) corev1.ObjectReference {
	return corev1.ObjectReference{Kind: "Pod", Namespace: namespace, Name: name}
}

// filterEventsByType makes the fake client apply the field selector on the
// event type, as the API server does, because the fake ignores field
// selectors. It returns a function that reports the last selector sent.
func filterEventsByType(t *testing.T, client *fake.Clientset) func() string {
	t.Helper()
	var selector string
	client.PrependReactor("list", "events", func(action k8stesting.Action) (bool, runtime.Object, error) {
		restrictions := action.(k8stesting.ListAction).GetListRestrictions()
		selector = restrictions.Fields.String()
		obj, err := client.Tracker().List(eventsResource, eventKind, action.GetNamespace())
		if err != nil {
			return true, nil, err
		}
		list := obj.(*corev1.EventList)
		var warningEvents []corev1.Event
		for _, e := range list.Items {
			if restrictions.Fields.Matches(fields.Set{"type": e.Type}) {
				warningEvents = append(warningEvents, e)
			}
		}
		list.Items = warningEvents
		return true, list, nil
	})

	// The fake client serializes reactors, and Scan has returned before
	// the test reads the selector.
	return func() string { return selector }
}

func TestScanServiceAccounts(t *testing.T) {
	client := fake.NewClientset(
		serviceAccount("payments", "api", map[string]string{
			workload.RoleARNAnnotation: "arn:aws:iam::111122223333:role/payments-api",
		}),
		serviceAccount("payments", "custom", map[string]string{
			workload.RoleARNAnnotation:  "arn:aws:iam::111122223333:role/payments-custom",
			workload.AudienceAnnotation: "sts.example.com",
		}),
		serviceAccount("payments", "empty-audience", map[string]string{
			workload.RoleARNAnnotation:  "arn:aws:iam::111122223333:role/payments-empty",
			workload.AudienceAnnotation: "",
		}),
		serviceAccount("payments", "default", nil),
		serviceAccount("batch", "worker", map[string]string{
			workload.RoleARNAnnotation: "arn:aws-cn:iam::444455556666:role/worker",
			"unrelated":                "value",
		}),
		pod("payments", "api-1", "api"),
		pod("payments", "api-2", "api"),
		pod("payments", "custom-1", "custom"),
		pod("payments", "plain-1", "default"),
		pod("batch", "worker-1", "worker"),
		// A pod that uses a service account of the same name in another namespace.
		pod("batch", "api-1", "api"),
	)

	result := workload.Scan(context.Background(), client, workload.Options{})

	if len(result.Errors) != 0 {
		t.Fatalf("Scan().Errors = %v, want none", result.Errors)
	}
	if result.PodsScanned != 6 {
		t.Errorf("Scan().PodsScanned = %d, want 6", result.PodsScanned)
	}
	want := []workload.ServiceAccount{
		{Namespace: "batch", Name: "worker", RoleARN: "arn:aws-cn:iam::444455556666:role/worker", Audience: "sts.amazonaws.com", Pods: 1},
		{Namespace: "payments", Name: "api", RoleARN: "arn:aws:iam::111122223333:role/payments-api", Audience: "sts.amazonaws.com", Pods: 2},
		{Namespace: "payments", Name: "custom", RoleARN: "arn:aws:iam::111122223333:role/payments-custom", Audience: "sts.example.com", Pods: 1},
		{Namespace: "payments", Name: "empty-audience", RoleARN: "arn:aws:iam::111122223333:role/payments-empty", Audience: "sts.amazonaws.com", Pods: 0},
	}
	if len(result.ServiceAccounts) != len(want) {
		t.Fatalf("Scan().ServiceAccounts = %+v, want %+v", result.ServiceAccounts, want)
	}
	for i := range want {
		if result.ServiceAccounts[i] != want[i] {
			t.Errorf("Scan().ServiceAccounts[%d] = %+v, want %+v", i, result.ServiceAccounts[i], want[i])
		}
	}
}

func TestScanNamespace(t *testing.T) {
	client := fake.NewClientset(
		serviceAccount("payments", "api", map[string]string{workload.RoleARNAnnotation: "arn:aws:iam::111122223333:role/api"}),
		serviceAccount("batch", "worker", map[string]string{workload.RoleARNAnnotation: "arn:aws:iam::111122223333:role/worker"}),
		pod("payments", "api-1", "api"),
		pod("batch", "worker-1", "worker"),
		event("batch", "worker-1.1", corev1.EventTypeWarning, "Failed", thumbprintBoto3, podRef("batch", "worker-1")),
	)

	result := workload.Scan(context.Background(), client, workload.Options{Namespace: "payments"})

	if len(result.ServiceAccounts) != 1 {
		t.Fatalf("Scan(namespace payments).ServiceAccounts = %+v, want only payments/api", result.ServiceAccounts)
	}
	if got := result.ServiceAccounts[0].Namespace + "/" + result.ServiceAccounts[0].Name; got != "payments/api" {
		t.Errorf("Scan(namespace payments).ServiceAccounts[0] = %s, want payments/api", got)
	}
	if result.PodsScanned != 1 {
		t.Errorf("Scan(namespace payments).PodsScanned = %d, want 1", result.PodsScanned)
	}
	if len(result.Hits) != 0 {
		t.Errorf("Scan(namespace payments).Hits = %+v, want none from namespace batch", result.Hits)
	}
}

func TestScanEvents(t *testing.T) {
	client := fake.NewClientset(
		serviceAccount("payments", "api", map[string]string{workload.RoleARNAnnotation: "arn:aws:iam::111122223333:role/api"}),
		pod("payments", "api-1", "api"),
		event("payments", "api-1.warning", corev1.EventTypeWarning, "FailedMount", thumbprintBoto3, podRef("payments", "api-1")),
		event("payments", "api-1.normal", corev1.EventTypeNormal, "Pulled", notFoundGoV2, podRef("payments", "api-1")),
		event("payments", "api-1.other", corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container", podRef("payments", "api-1")),
		event("web", "public.ingress", corev1.EventTypeWarning, "FailedDeployModel", notFoundGoV2,
			corev1.ObjectReference{Kind: "Ingress", Namespace: "web", Name: "public"}),
		event("payments", "gone-1.warning", corev1.EventTypeWarning, "Failed", audienceGoV1, podRef("payments", "gone-1")),
	)
	selector := filterEventsByType(t, client)

	result := workload.Scan(context.Background(), client, workload.Options{})

	if got, want := selector(), "type=Warning"; got != want {
		t.Errorf("Scan() listed events with field selector %q, want %q", got, want)
	}
	if len(result.Errors) != 0 {
		t.Fatalf("Scan().Errors = %v, want none", result.Errors)
	}
	if result.EventsScanned != 4 {
		t.Errorf("Scan().EventsScanned = %d, want 4 Warning events", result.EventsScanned)
	}

	type hitSummary struct {
		kind, namespace, name, serviceAccount, source string
		cause                                         stserr.Cause
		count                                         int
	}
	want := []hitSummary{
		{kind: "Pod", namespace: "payments", name: "api-1", serviceAccount: "api", source: "event FailedMount", cause: stserr.ThumbprintMismatch, count: 1},
		// A pod that no longer exists keeps its hit, without a service account.
		{kind: "Pod", namespace: "payments", name: "gone-1", serviceAccount: "", source: "event Failed", cause: stserr.IncorrectAudience, count: 1},
		{kind: "Ingress", namespace: "web", name: "public", serviceAccount: "", source: "event FailedDeployModel", cause: stserr.ProviderNotFound, count: 1},
	}
	if len(result.Hits) != len(want) {
		t.Fatalf("Scan().Hits = %+v, want %d hits", result.Hits, len(want))
	}
	for i, w := range want {
		h := result.Hits[i]
		got := hitSummary{h.Kind, h.Namespace, h.Name, h.ServiceAccount, h.Source, h.Match.Cause, h.Count}
		if got != w {
			t.Errorf("Scan().Hits[%d] = %+v, want %+v", i, got, w)
		}
	}
	if !result.Hits[0].LastSeen.Equal(now) {
		t.Errorf("Scan().Hits[0].LastSeen = %v, want the event's lastTimestamp %v", result.Hits[0].LastSeen, now)
	}
	if result.Hits[0].Match.Code != "InvalidIdentityToken" {
		t.Errorf("Scan().Hits[0].Match.Code = %q, want %q", result.Hits[0].Match.Code, "InvalidIdentityToken")
	}
}

func TestScanEventCountAndTime(t *testing.T) {
	seriesTime := now.Add(-time.Minute)
	eventTime := now.Add(-2 * time.Minute)
	created := now.Add(-3 * time.Minute)

	tests := []struct {
		name      string
		modify    func(e *corev1.Event)
		wantCount int
		wantTime  time.Time
	}{
		{
			name:      "count and last timestamp",
			modify:    func(e *corev1.Event) { e.Count = 7 },
			wantCount: 7,
			wantTime:  now,
		},
		{
			name: "series wins",
			modify: func(e *corev1.Event) {
				e.Count = 7
				e.Series = &corev1.EventSeries{Count: 12, LastObservedTime: metav1.NewMicroTime(seriesTime)}
			},
			wantCount: 12,
			wantTime:  seriesTime,
		},
		{
			name: "zero count means one",
			modify: func(e *corev1.Event) {
				e.Count = 0
			},
			wantCount: 1,
			wantTime:  now,
		},
		{
			name: "event time without last timestamp",
			modify: func(e *corev1.Event) {
				e.Count = 0
				e.LastTimestamp = metav1.Time{}
				e.EventTime = metav1.NewMicroTime(eventTime)
			},
			wantCount: 1,
			wantTime:  eventTime,
		},
		{
			name: "creation time last",
			modify: func(e *corev1.Event) {
				e.LastTimestamp = metav1.Time{}
				e.CreationTimestamp = metav1.NewTime(created)
			},
			wantCount: 1,
			wantTime:  created,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := event("payments", "api-1.warning", corev1.EventTypeWarning, "FailedMount", thumbprintBoto3, podRef("payments", "api-1"))
			tt.modify(e)
			client := fake.NewClientset(e)

			result := workload.Scan(context.Background(), client, workload.Options{})

			if len(result.Hits) != 1 {
				t.Fatalf("Scan().Hits = %+v, want 1 hit", result.Hits)
			}
			if result.Hits[0].Count != tt.wantCount {
				t.Errorf("Scan().Hits[0].Count = %d, want %d", result.Hits[0].Count, tt.wantCount)
			}
			if !result.Hits[0].LastSeen.Equal(tt.wantTime) {
				t.Errorf("Scan().Hits[0].LastSeen = %v, want %v", result.Hits[0].LastSeen, tt.wantTime)
			}
		})
	}
}

func TestScanContainerStatuses(t *testing.T) {
	tests := []struct {
		name       string
		status     corev1.PodStatus
		wantSource string
		wantCause  stserr.Cause
	}{
		{
			name: "waiting",
			status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{
				Name:  "app",
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: thumbprintBoto3}},
			}}},
			wantSource: "container app: waiting",
			wantCause:  stserr.ThumbprintMismatch,
		},
		{
			name: "terminated",
			status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{
				Name:  "app",
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Message: notFoundGoV2}},
			}}},
			wantSource: "container app: terminated",
			wantCause:  stserr.ProviderNotFound,
		},
		{
			name: "last terminated",
			status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{
				Name:                 "app",
				State:                corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Message: audienceGoV1}},
			}}},
			wantSource: "container app: last terminated",
			wantCause:  stserr.IncorrectAudience,
		},
		{
			name: "init container",
			status: corev1.PodStatus{InitContainerStatuses: []corev1.ContainerStatus{{
				Name:  "fetch-secrets",
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Message: thumbprintBoto3}},
			}}},
			wantSource: "container fetch-secrets: terminated",
			wantCause:  stserr.ThumbprintMismatch,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pod("payments", "api-1", "api")
			p.Status = tt.status
			client := fake.NewClientset(p)

			result := workload.Scan(context.Background(), client, workload.Options{})

			if len(result.Hits) != 1 {
				t.Fatalf("Scan().Hits = %+v, want 1 hit", result.Hits)
			}
			hit := result.Hits[0]
			if hit.Source != tt.wantSource {
				t.Errorf("Scan().Hits[0].Source = %q, want %q", hit.Source, tt.wantSource)
			}
			if hit.Match.Cause != tt.wantCause {
				t.Errorf("Scan().Hits[0].Match.Cause = %q, want %q", hit.Match.Cause, tt.wantCause)
			}
			if hit.Kind != "Pod" || hit.Namespace != "payments" || hit.Name != "api-1" {
				t.Errorf("Scan().Hits[0] object = %s %s/%s, want Pod payments/api-1", hit.Kind, hit.Namespace, hit.Name)
			}
			if hit.ServiceAccount != "api" {
				t.Errorf("Scan().Hits[0].ServiceAccount = %q, want %q", hit.ServiceAccount, "api")
			}
			if hit.Count != 1 {
				t.Errorf("Scan().Hits[0].Count = %d, want 1", hit.Count)
			}
		})
	}
}

func TestScanIgnoresUnrelatedStatus(t *testing.T) {
	p := pod("payments", "api-1", "api")
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name:                 "app",
		State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: "Back-off pulling image"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}},
	}}
	client := fake.NewClientset(p)

	result := workload.Scan(context.Background(), client, workload.Options{})

	if len(result.Hits) != 0 {
		t.Errorf("Scan(pod without STS errors).Hits = %+v, want none", result.Hits)
	}
}

func TestScanMergesHits(t *testing.T) {
	p := pod("payments", "api-1", "api")
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name:                 "app",
		State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: thumbprintBoto3}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Message: thumbprintBoto3}},
	}}
	older := event("payments", "api-1.a", corev1.EventTypeWarning, "FailedMount", thumbprintBoto3, podRef("payments", "api-1"))
	older.Count = 3
	older.LastTimestamp = metav1.NewTime(now.Add(-time.Hour))
	newer := event("payments", "api-1.b", corev1.EventTypeWarning, "FailedCreatePodSandBox", thumbprintBoto3, podRef("payments", "api-1"))
	newer.Count = 5
	// A different cause for the same pod stays a separate hit.
	other := event("payments", "api-1.c", corev1.EventTypeWarning, "Failed", notFoundGoV2, podRef("payments", "api-1"))
	client := fake.NewClientset(p, older, newer, other)

	result := workload.Scan(context.Background(), client, workload.Options{})

	if len(result.Hits) != 2 {
		t.Fatalf("Scan().Hits = %+v, want one thumbprint hit and one provider hit", result.Hits)
	}
	// Hits of one object sort by cause: provider-not-found, then thumbprint-mismatch.
	separate, merged := result.Hits[0], result.Hits[1]
	if merged.Match.Cause != stserr.ThumbprintMismatch {
		t.Fatalf("Scan().Hits[1].Match.Cause = %q, want %q", merged.Match.Cause, stserr.ThumbprintMismatch)
	}
	// Two container states count once each, the events by their counts.
	if merged.Count != 1+1+3+5 {
		t.Errorf("Scan() merged hit Count = %d, want %d", merged.Count, 1+1+3+5)
	}
	if !merged.LastSeen.Equal(now) {
		t.Errorf("Scan() merged hit LastSeen = %v, want the latest event time %v", merged.LastSeen, now)
	}
	if merged.Source != "event FailedCreatePodSandBox" {
		t.Errorf("Scan() merged hit Source = %q, want the latest event's %q", merged.Source, "event FailedCreatePodSandBox")
	}
	if merged.ServiceAccount != "api" {
		t.Errorf("Scan() merged hit ServiceAccount = %q, want %q", merged.ServiceAccount, "api")
	}
	if separate.Match.Cause != stserr.ProviderNotFound {
		t.Errorf("Scan().Hits[0].Match.Cause = %q, want %q", separate.Match.Cause, stserr.ProviderNotFound)
	}
	if separate.Count != 1 {
		t.Errorf("Scan().Hits[0].Count = %d, want 1", separate.Count)
	}
}

func TestScanHitOrder(t *testing.T) {
	client := fake.NewClientset(
		event("b", "e1", corev1.EventTypeWarning, "Failed", thumbprintBoto3, podRef("b", "pod-a")),
		event("a", "e2", corev1.EventTypeWarning, "Failed", thumbprintBoto3, podRef("a", "pod-z")),
		event("a", "e3", corev1.EventTypeWarning, "Failed", thumbprintBoto3, corev1.ObjectReference{Kind: "Ingress", Namespace: "a", Name: "ing"}),
		event("a", "e4", corev1.EventTypeWarning, "Failed", thumbprintBoto3, podRef("a", "pod-b")),
	)

	result := workload.Scan(context.Background(), client, workload.Options{})

	var got []string
	for _, h := range result.Hits {
		got = append(got, h.Namespace+"/"+h.Kind+"/"+h.Name)
	}
	want := []string{"a/Ingress/ing", "a/Pod/pod-b", "a/Pod/pod-z", "b/Pod/pod-a"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Scan().Hits order = %q, want %q", got, want)
	}
}

func TestScanListError(t *testing.T) {
	client := fake.NewClientset(
		serviceAccount("payments", "api", map[string]string{workload.RoleARNAnnotation: "arn:aws:iam::111122223333:role/api"}),
		pod("payments", "api-1", "api"),
		event("payments", "api-1.warning", corev1.EventTypeWarning, "FailedMount", thumbprintBoto3, podRef("payments", "api-1")),
	)
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New(`User "jane" cannot list resource "pods"`))
	client.PrependReactor("list", "pods", func(action k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, forbidden
	})

	result := workload.Scan(context.Background(), client, workload.Options{})

	if len(result.Errors) != 1 {
		t.Fatalf("Scan().Errors = %v, want the pods list error only", result.Errors)
	}
	err := result.Errors[0]
	if !apierrors.IsForbidden(err) {
		t.Errorf("apierrors.IsForbidden(Scan().Errors[0]) = false, want true (error %q)", err)
	}
	if !strings.HasPrefix(err.Error(), "list pods: ") {
		t.Errorf("Scan().Errors[0] = %q, want it to start with %q", err, "list pods: ")
	}
	if len(result.ServiceAccounts) != 1 {
		t.Fatalf("Scan().ServiceAccounts = %+v, want payments/api despite the pods error", result.ServiceAccounts)
	}
	if result.ServiceAccounts[0].Pods != 0 {
		t.Errorf("Scan().ServiceAccounts[0].Pods = %d, want 0 when pods could not be listed", result.ServiceAccounts[0].Pods)
	}
	if result.PodsScanned != 0 {
		t.Errorf("Scan().PodsScanned = %d, want 0", result.PodsScanned)
	}
	if len(result.Hits) != 1 {
		t.Fatalf("Scan().Hits = %+v, want the event's hit despite the pods error", result.Hits)
	}
	if result.Hits[0].ServiceAccount != "" {
		t.Errorf("Scan().Hits[0].ServiceAccount = %q, want empty without the pod list", result.Hits[0].ServiceAccount)
	}
}

func TestScanAllListsFail(t *testing.T) {
	client := fake.NewClientset()
	client.PrependReactor("list", "*", func(action k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewInternalError(fmt.Errorf("etcd unavailable for %s", action.GetResource().Resource))
	})

	result := workload.Scan(context.Background(), client, workload.Options{})

	var got []string
	for _, err := range result.Errors {
		got = append(got, strings.SplitN(err.Error(), ":", 2)[0])
	}
	want := "list service accounts list pods list events"
	if strings.Join(got, " ") != want {
		t.Errorf("Scan() error prefixes = %q, want %q", got, want)
	}
	if result.ServiceAccounts != nil {
		t.Errorf("Scan().ServiceAccounts = %+v, want nil", result.ServiceAccounts)
	}
	if len(result.Hits) != 0 {
		t.Errorf("Scan().Hits = %+v, want none", result.Hits)
	}
}

// TestScanPages serves pods one per page, with continue tokens, as an API
// server does for a list with a limit.
func TestScanPages(t *testing.T) {
	client := fake.NewClientset()
	var limits []int64
	client.PrependReactor("list", "pods", func(action k8stesting.Action) (bool, runtime.Object, error) {
		opts := action.(k8stesting.ListActionImpl).ListOptions
		limits = append(limits, opts.Limit)
		page := 0
		if opts.Continue != "" {
			page, _ = strconv.Atoi(opts.Continue)
		}
		list := &corev1.PodList{Items: []corev1.Pod{*pod("payments", fmt.Sprintf("api-%d", page), "api")}}
		if page < 2 {
			list.Continue = strconv.Itoa(page + 1)
		}
		return true, list, nil
	})

	result := workload.Scan(context.Background(), client, workload.Options{PageSize: 1})

	if result.PodsScanned != 3 {
		t.Errorf("Scan(page size 1).PodsScanned = %d, want 3 over three pages", result.PodsScanned)
	}
	if len(limits) != 3 {
		t.Fatalf("Scan(page size 1) sent %d pod list requests, want 3", len(limits))
	}
	for i, limit := range limits {
		if limit != 1 {
			t.Errorf("Scan(page size 1) request %d limit = %d, want 1", i, limit)
		}
	}
}

func TestScanDefaultPageSize(t *testing.T) {
	client := fake.NewClientset()
	var limit int64
	client.PrependReactor("list", "serviceaccounts", func(action k8stesting.Action) (bool, runtime.Object, error) {
		limit = action.(k8stesting.ListActionImpl).ListOptions.Limit
		return true, &corev1.ServiceAccountList{}, nil
	})

	workload.Scan(context.Background(), client, workload.Options{})

	if limit != workload.DefaultPageSize {
		t.Errorf("Scan(no page size) limit = %d, want %d", limit, workload.DefaultPageSize)
	}
}
