package workload

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/stserr"
)

// Bounds of the log scan. Each container's tail is read with these limits,
// a few containers at a time, so a cluster with many IRSA pods cannot make
// the scan slow or large.
const (
	// DefaultLogLines is the number of lines read from the end of each log.
	DefaultLogLines = 200
	// MaxLogPods caps the pods whose logs are read.
	MaxLogPods = 100
	// maxLogBytes caps the bytes read from one container's log.
	maxLogBytes = 256 << 10
	// maxLogLine caps one line; longer lines are skipped.
	maxLogLine = 64 << 10
	// logConcurrency is the number of logs read at once.
	logConcurrency = 4
)

// errSkippedAfterForbidden marks logs not requested after a 403.
var errSkippedAfterForbidden = errors.New("not requested after an earlier log was forbidden")

// logTarget is a container whose log the scan reads.
type logTarget struct {
	namespace, pod, container, serviceAccount, owner string
}

// LogScan is the summary of a log scan: the logs read, failed and skipped.
type LogScan struct {
	// Containers is the number of container logs read successfully.
	Containers int
	// Failed is the number of container logs that could not be read, and
	// FirstError the first reason.
	Failed     int
	FirstError error
	// PodsSkipped is the number of pods over MaxLogPods that were not read.
	PodsSkipped int
}

// logTargets returns the containers of a pod whose logs the scan reads.
func logTargets(pod *corev1.Pod) []logTarget {
	var targets []logTarget
	for _, c := range pod.Spec.Containers {
		targets = append(targets, logTarget{
			namespace:      pod.Namespace,
			pod:            pod.Name,
			container:      c.Name,
			serviceAccount: pod.Spec.ServiceAccountName,
			owner:          Owner(pod),
		})
	}

	return targets
}

// scanLogs reads the tail of each target's log and returns the STS errors
// found, one per container at most.
func scanLogs(ctx context.Context, client kubernetes.Interface, targets []logTarget, lines int64) ([]Hit, LogScan) {
	var (
		mu    sync.Mutex
		hits  []Hit
		scan  LogScan
		wg    sync.WaitGroup
		slots = make(chan struct{}, logConcurrency)
		// forbidden stops the scan after the first 403: the other pods'
		// logs would be refused for the same missing permission.
		forbidden atomic.Bool
	)
	for _, target := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()

			var (
				hit   Hit
				found bool
				err   error
			)
			if forbidden.Load() {
				err = errSkippedAfterForbidden
			} else {
				hit, found, err = scanLog(ctx, client, target, lines)
				if apierrors.IsForbidden(err) {
					forbidden.Store(true)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				scan.Failed++
				if scan.FirstError == nil || errors.Is(scan.FirstError, errSkippedAfterForbidden) {
					scan.FirstError = err
				}
				return
			}
			scan.Containers++
			if found {
				hits = append(hits, hit)
			}
		}()
	}
	wg.Wait()

	return hits, scan
}

func scanLog(ctx context.Context, client kubernetes.Interface, target logTarget, lines int64) (Hit, bool, error) {
	limit := int64(maxLogBytes)
	stream, err := client.CoreV1().Pods(target.namespace).GetLogs(target.pod, &corev1.PodLogOptions{
		Container:  target.container,
		TailLines:  &lines,
		LimitBytes: &limit,
	}).Stream(ctx)
	if err != nil {
		return Hit{}, false, fmt.Errorf("read the log of %s/%s container %s: %w", target.namespace, target.pod, target.container, err)
	}
	defer stream.Close()

	scanner := bufio.NewScanner(stream)
	scanner.Buffer(make([]byte, 0, 4096), maxLogLine)
	var (
		hit   Hit
		found bool
	)
	for scanner.Scan() {
		match, ok := stserr.Find(scanner.Text())
		if !ok {
			continue
		}
		if !found {
			hit = Hit{
				Kind:           "Pod",
				Namespace:      target.namespace,
				Name:           target.pod,
				ServiceAccount: target.serviceAccount,
				Workload:       target.owner,
				Source:         fmt.Sprintf("container %s: log", target.container),
				Match:          match,
			}
			found = true
		}
		hit.Count++
	}
	// A line over maxLogLine stops the scanner; what was read still counts.
	if err := scanner.Err(); err != nil && err != bufio.ErrTooLong {
		return Hit{}, false, fmt.Errorf("read the log of %s/%s container %s: %w", target.namespace, target.pod, target.container, err)
	}

	return hit, found, nil
}
