package workload

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/stserr"
)

// logServer serves pod logs as the API server does, and records the query
// of each request.
func logServer(t *testing.T, logs map[string]string) (kubernetes.Interface, *[]string) {
	t.Helper()
	var (
		mu      sync.Mutex
		queries []string
	)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		body, ok := logs[r.URL.Path]
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"pods \"x\" is forbidden"}`)
			return
		}
		fmt.Fprint(w, body)
	}))
	t.Cleanup(server.Close)

	client, err := kubernetes.NewForConfig(&rest.Config{Host: server.URL})
	if err != nil {
		t.Fatal(err)
	}

	return client, &queries
}

func TestScanLogs(t *testing.T) {
	stsError := "botocore.exceptions.ClientError: An error occurred (InvalidIdentityToken) when calling the " +
		"AssumeRoleWithWebIdentity operation: Incorrect token audience"
	client, queries := logServer(t, map[string]string{
		"/api/v1/namespaces/ns/pods/app-0/log": "starting\n" + stsError + "\nretrying\n" + stsError + "\n",
		"/api/v1/namespaces/ns/pods/app-1/log": "all good\n" + strings.Repeat("x", maxLogLine+10) + "\n",
	})
	targets := []logTarget{
		{namespace: "ns", pod: "app-0", container: "app", serviceAccount: "app", owner: "deployment/app"},
		{namespace: "ns", pod: "app-1", container: "app", serviceAccount: "app", owner: "deployment/app"},
		{namespace: "ns", pod: "app-2", container: "app", serviceAccount: "app", owner: "deployment/app"},
	}

	hits, scan := scanLogs(context.Background(), client, targets, 50)

	if scan.Containers != 2 {
		t.Errorf("scan.Containers = %d, want 2", scan.Containers)
	}
	if scan.Failed != 1 || scan.FirstError == nil || !strings.Contains(scan.FirstError.Error(), "app-2") {
		t.Errorf("scan failures = %d, %v, want 1 naming app-2", scan.Failed, scan.FirstError)
	}
	if len(hits) != 1 {
		t.Fatalf("hits = %+v, want one for app-0", hits)
	}
	if hits[0].Name != "app-0" || hits[0].Match.Cause != stserr.IncorrectAudience || hits[0].Count != 2 {
		t.Errorf("hit = %s %s count %d, want app-0 incorrect-audience count 2", hits[0].Name, hits[0].Match.Cause, hits[0].Count)
	}
	if hits[0].Source != "container app: log" || hits[0].Workload != "deployment/app" {
		t.Errorf("hit source and workload = %q, %q, want container app: log, deployment/app", hits[0].Source, hits[0].Workload)
	}
	for _, query := range *queries {
		if !strings.Contains(query, "tailLines=50") || !strings.Contains(query, fmt.Sprintf("limitBytes=%d", maxLogBytes)) {
			t.Errorf("log request query = %q, want tailLines=50 and limitBytes=%d", query, maxLogBytes)
		}
	}
}
