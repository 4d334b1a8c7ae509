// Package workload finds the service accounts annotated for IAM roles, the
// pods that use them, and the events and container statuses that report
// STS web identity errors.
package workload

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/pager"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/stserr"
)

// Annotations that the EKS pod identity webhook reads on a service account.
const (
	RoleARNAnnotation  = "eks.amazonaws.com/role-arn"
	AudienceAnnotation = "eks.amazonaws.com/audience"
	// DefaultAudience is the token audience when the annotation is absent.
	DefaultAudience = "sts.amazonaws.com"
)

// DefaultPageSize is the number of objects fetched per list request.
const DefaultPageSize = 500

// ServiceAccount is a service account annotated with an IAM role.
type ServiceAccount struct {
	Namespace string
	Name      string
	RoleARN   string
	Audience  string
	// Pods is the number of pods in the scan that use this service account.
	Pods int
}

// Hit is an STS error reported for one object, aggregated over all events
// and statuses that report the same cause for it.
type Hit struct {
	Kind      string
	Namespace string
	Name      string
	// ServiceAccount is the pod's service account, when the object is a pod.
	ServiceAccount string
	// Workload is the pod's owner, such as "deployment/api".
	Workload string
	// ReportedBy is the component that recorded the event, such as a CSI
	// controller for an event on a PersistentVolumeClaim.
	ReportedBy string
	// Source is where the text was found, e.g. "event FailedMount" or
	// "container app: last terminated".
	Source   string
	Match    stserr.Match
	Count    int
	LastSeen time.Time
}

// Options selects what Scan reads.
type Options struct {
	// Namespace limits the scan; empty means all namespaces.
	Namespace string
	PageSize  int64
	// LogLines, when positive, makes the scan read that many lines from the
	// end of each container log of pods of annotated service accounts.
	LogLines int64
}

// Result is the outcome of a scan. Errors holds the lists that failed, such
// as a forbidden namespace, while the other lists still contribute.
type Result struct {
	ServiceAccounts []ServiceAccount
	Hits            []Hit
	// PodIssues are pods of annotated service accounts whose web identity
	// settings are missing or stale.
	PodIssues []PodIssue
	// PodIdentityPods counts the pods that get credentials through EKS Pod
	// Identity instead of IRSA.
	PodIdentityPods int
	PodsScanned     int
	EventsScanned   int
	// Logs is the summary of the log scan, or nil when logs were not scanned.
	Logs *LogScan
	// ServiceAccountsListed is false when the service accounts could not
	// be listed, so an empty ServiceAccounts means nothing.
	ServiceAccountsListed bool
	Errors                []error
}

// Scan lists the service accounts, then pods and Warning events
// concurrently, page by page, so memory grows with the number of pods (one
// map entry each), hits and pod issues, not with the size of the objects.
func Scan(ctx context.Context, client kubernetes.Interface, opts Options) *Result {
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}

	var (
		wg      sync.WaitGroup
		pods    *podIndex
		events  []Hit
		scanned int
		errs    = make([]error, 3)
	)
	// The pods are checked against their service account's annotations, so
	// the service accounts, usually far fewer than pods, are listed first.
	accounts, err := listServiceAccounts(ctx, client, opts)
	errs[0] = err
	if opts.Namespace != "" {
		if nsErr := checkNamespace(ctx, client, opts.Namespace); nsErr != nil {
			errs[0] = errors.Join(errs[0], nsErr)
		}
	}
	annotated := make(map[string]ServiceAccount, len(accounts))
	for _, sa := range accounts {
		annotated[sa.Namespace+"/"+sa.Name] = sa
	}

	wg.Add(2)
	go func() {
		defer wg.Done()
		pods, errs[1] = listPods(ctx, client, opts, annotated)
	}()
	go func() {
		defer wg.Done()
		events, scanned, errs[2] = listEvents(ctx, client, opts)
	}()
	wg.Wait()

	result := &Result{EventsScanned: scanned, ServiceAccountsListed: errs[0] == nil}
	for _, err := range errs {
		if err != nil {
			result.Errors = append(result.Errors, err)
		}
	}

	hits := newHitSet()
	if pods != nil {
		result.PodsScanned = pods.count
		result.PodIssues = pods.issues
		result.PodIdentityPods = pods.podIdentity
		for _, hit := range pods.hits {
			hits.add(hit)
		}
	}
	var reporters map[string][]string
	for _, hit := range events {
		switch {
		case pods == nil:
		case hit.Kind == "Pod":
			ref := pods.byName[hit.Namespace+"/"+hit.Name]
			hit.ServiceAccount, hit.Workload = ref.serviceAccount, ref.owner
		case hit.ReportedBy != "":
			if reporters == nil {
				reporters = pods.keysByName()
			}
			pods.attributeToReporter(&hit, reporters)
		}
		hits.add(hit)
	}
	if opts.LogLines > 0 && pods != nil {
		targets := pods.logTargets
		skipped := 0
		if pods.logPods > MaxLogPods {
			skipped = pods.logPods - MaxLogPods
		}
		logHits, scan := scanLogs(ctx, client, targets, opts.LogLines)
		scan.PodsSkipped = skipped
		result.Logs = &scan
		for _, hit := range logHits {
			hits.add(hit)
		}
	}
	result.Hits = hits.sorted()

	for i := range accounts {
		if pods != nil {
			accounts[i].Pods = pods.perServiceAccount[accounts[i].Namespace+"/"+accounts[i].Name]
		}
	}
	result.ServiceAccounts = accounts

	return result
}

func listServiceAccounts(ctx context.Context, client kubernetes.Interface, opts Options) ([]ServiceAccount, error) {
	var accounts []ServiceAccount
	list := func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return client.CoreV1().ServiceAccounts(opts.Namespace).List(ctx, o)
	}
	err := eachItem(ctx, list, opts.PageSize, func(obj runtime.Object) {
		sa, ok := obj.(*corev1.ServiceAccount)
		if !ok {
			return
		}
		role, ok := sa.Annotations[RoleARNAnnotation]
		if !ok {
			return
		}
		audience := sa.Annotations[AudienceAnnotation]
		if audience == "" {
			audience = DefaultAudience
		}
		accounts = append(accounts, ServiceAccount{
			Namespace: sa.Namespace,
			Name:      sa.Name,
			RoleARN:   role,
			Audience:  audience,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list service accounts: %w", err)
	}
	sort.Slice(accounts, func(i, j int) bool {
		if accounts[i].Namespace != accounts[j].Namespace {
			return accounts[i].Namespace < accounts[j].Namespace
		}
		return accounts[i].Name < accounts[j].Name
	})

	return accounts, nil
}

// podRef is the service account and owner that the scan keeps of every pod.
type podRef struct {
	serviceAccount string
	owner          string
}

// podIndex is the scan's record of the pods: service accounts and owners to
// map events to, counts, STS errors in statuses, pod issues and log targets.
type podIndex struct {
	count             int
	byName            map[string]podRef
	perServiceAccount map[string]int
	hits              []Hit
	issues            []PodIssue
	podIdentity       int
	// logTargets are the containers of the first MaxLogPods pods of
	// annotated service accounts, and logPods counts all such pods.
	logTargets []logTarget
	logPods    int
}

// keysByName maps each pod name to its "namespace/name" keys.
func (index *podIndex) keysByName() map[string][]string {
	names := make(map[string][]string, len(index.byName))
	for key := range index.byName {
		_, name, _ := strings.Cut(key, "/")
		names[name] = append(names[name], key)
	}

	return names
}

// attributeToReporter sets the service account and workload of a hit on a
// non-pod object to those of the controller pod that recorded the event.
// Controllers built on client-go's leader election, such as the CSI
// external provisioner, report as "<component>_<identity>", where the
// identity is their pod's name. The service account is qualified with its
// namespace when that differs from the object's.
func (index *podIndex) attributeToReporter(hit *Hit, names map[string][]string) {
	reporter := hit.ReportedBy
	if i := strings.LastIndex(reporter, "_"); i >= 0 {
		reporter = reporter[i+1:]
	}
	keys := names[reporter]
	if len(keys) != 1 {
		return
	}

	ref := index.byName[keys[0]]
	namespace, _, _ := strings.Cut(keys[0], "/")
	hit.Workload = ref.owner
	hit.ServiceAccount = ref.serviceAccount
	if namespace != hit.Namespace {
		hit.ServiceAccount = namespace + "/" + ref.serviceAccount
	}
}

func listPods(ctx context.Context, client kubernetes.Interface, opts Options, annotated map[string]ServiceAccount) (*podIndex, error) {
	index := &podIndex{byName: map[string]podRef{}, perServiceAccount: map[string]int{}}
	list := func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return client.CoreV1().Pods(opts.Namespace).List(ctx, o)
	}
	err := eachItem(ctx, list, opts.PageSize, func(obj runtime.Object) {
		pod, ok := obj.(*corev1.Pod)
		if !ok {
			return
		}
		index.count++
		index.byName[pod.Namespace+"/"+pod.Name] = podRef{serviceAccount: pod.Spec.ServiceAccountName, owner: Owner(pod)}
		index.perServiceAccount[pod.Namespace+"/"+pod.Spec.ServiceAccountName]++
		index.hits = append(index.hits, statusHits(pod)...)
		if usesPodIdentity(pod) {
			index.podIdentity++
			return
		}
		if sa, ok := annotated[pod.Namespace+"/"+pod.Spec.ServiceAccountName]; ok {
			index.issues = append(index.issues, checkInjection(pod, sa)...)
			index.logPods++
			if opts.LogLines > 0 && index.logPods <= MaxLogPods {
				index.logTargets = append(index.logTargets, logTargets(pod)...)
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}

	return index, nil
}

// statusHits returns the STS errors in the waiting and terminated messages
// of a pod's containers, current and last state.
func statusHits(pod *corev1.Pod) []Hit {
	var hits []Hit
	statuses := append(append([]corev1.ContainerStatus(nil), pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...)
	for _, status := range statuses {
		var texts [][2]string
		if w := status.State.Waiting; w != nil {
			texts = append(texts, [2]string{"waiting", w.Message})
		}
		if t := status.State.Terminated; t != nil {
			texts = append(texts, [2]string{"terminated", t.Message})
		}
		if t := status.LastTerminationState.Terminated; t != nil {
			texts = append(texts, [2]string{"last terminated", t.Message})
		}
		for _, entry := range texts {
			state, text := entry[0], entry[1]
			match, ok := stserr.Find(text)
			if !ok {
				continue
			}
			hits = append(hits, Hit{
				Kind:           "Pod",
				Namespace:      pod.Namespace,
				Name:           pod.Name,
				ServiceAccount: pod.Spec.ServiceAccountName,
				Workload:       Owner(pod),
				Source:         fmt.Sprintf("container %s: %s", status.Name, state),
				Match:          match,
				Count:          1,
			})
		}
	}

	return hits
}

func listEvents(ctx context.Context, client kubernetes.Interface, opts Options) ([]Hit, int, error) {
	var (
		hits    []Hit
		scanned int
	)
	list := func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		o.FieldSelector = "type=" + corev1.EventTypeWarning
		return client.CoreV1().Events(opts.Namespace).List(ctx, o)
	}
	err := eachItem(ctx, list, opts.PageSize, func(obj runtime.Object) {
		event, ok := obj.(*corev1.Event)
		if !ok {
			return
		}
		scanned++
		match, ok := stserr.Find(event.Message)
		if !ok {
			return
		}
		hits = append(hits, Hit{
			Kind:       event.InvolvedObject.Kind,
			Namespace:  event.InvolvedObject.Namespace,
			Name:       event.InvolvedObject.Name,
			Source:     "event " + event.Reason,
			ReportedBy: eventReporter(event),
			Match:      match,
			Count:      eventCount(event),
			LastSeen:   eventTime(event),
		})
	})
	if err != nil {
		return nil, scanned, fmt.Errorf("list events: %w", err)
	}

	return hits, scanned, nil
}

// eventReporter returns the component that recorded an event: the
// reporting controller of the events.k8s.io API, else the legacy source.
func eventReporter(event *corev1.Event) string {
	if event.ReportingController != "" {
		return event.ReportingController
	}

	return event.Source.Component
}

func eventCount(event *corev1.Event) int {
	if event.Series != nil && event.Series.Count > 0 {
		return int(event.Series.Count)
	}
	if event.Count > 0 {
		return int(event.Count)
	}

	return 1
}

func eventTime(event *corev1.Event) time.Time {
	switch {
	case event.Series != nil && !event.Series.LastObservedTime.IsZero():
		return event.Series.LastObservedTime.Time
	case !event.LastTimestamp.IsZero():
		return event.LastTimestamp.Time
	case !event.EventTime.IsZero():
		return event.EventTime.Time
	default:
		return event.CreationTimestamp.Time
	}
}

// ErrNamespaceNotFound means the namespace given to the scan does not exist.
var ErrNamespaceNotFound = errors.New("namespace not found")

// checkNamespace reports a namespace that does not exist, since listing in
// it returns nothing and would read as a clean scan. A user who may not get
// namespaces is not told anything.
func checkNamespace(ctx context.Context, client kubernetes.Interface, namespace string) error {
	_, err := client.CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("namespace %q: %w", namespace, ErrNamespaceNotFound)
	}

	return nil
}

type listFunc func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error)

// eachItem calls visit for every item of a paginated list.
func eachItem(ctx context.Context, list listFunc, pageSize int64, visit func(runtime.Object)) error {
	p := pager.New(pager.SimplePageFunc(func(opts metav1.ListOptions) (runtime.Object, error) {
		return list(ctx, opts)
	}))
	p.PageSize = pageSize

	return p.EachListItem(ctx, metav1.ListOptions{}, func(obj runtime.Object) error {
		visit(obj)
		return nil
	})
}
