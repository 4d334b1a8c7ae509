// Command scale measures diagnose on a cluster with many pods and Warning
// events: it starts the loopback test environment, creates the objects,
// then runs kubectl oidc-thumbprint diagnose under /usr/bin/time -v and
// prints the wall time and the maximum resident set size of each run.
// make bench-scale builds what it needs; PODS and EVENTS set the sizes.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/chain"
	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/test/testenv"
)

const namespace = "scale"

func main() {
	pods := flag.Int("pods", 2000, "number of pods to create")
	events := flag.Int("events", 5000, "number of Warning events to create; one in ten carries an STS error")
	runs := flag.Int("runs", 3, "number of diagnose runs to measure")
	flag.Parse()

	if err := run(*pods, *events, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run(pods, events, runs int) error {
	binDir, err := filepath.Abs(os.Getenv("OIDC_THUMBPRINT_BIN_DIR"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()

	env, err := testenv.Start(ctx, testenv.Options{BinDir: binDir, IssuerPath: "/id/SCALE"})
	if err != nil {
		return err
	}
	defer env.Close()

	start := time.Now()
	if err := seed(ctx, env, pods, events); err != nil {
		return err
	}
	fmt.Printf("created %d pods and %d Warning events in %s\n", pods, events, time.Since(start).Round(time.Second))

	fmt.Println("run  wall     max RSS")
	wallPattern := regexp.MustCompile(`Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)`)
	rssPattern := regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`)
	for i := range runs {
		cmd := exec.CommandContext(ctx, "/usr/bin/time", "-v", "kubectl", "oidc-thumbprint", "diagnose", "-A", "-o", "json")
		cmd.Env = append(env.AWSEnvFrom(os.Environ()),
			"PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"),
			"KUBECONFIG="+env.Kubeconfig,
		)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		// The exit code is 1: a tenth of the events report errors.
		_ = cmd.Run()
		wall := wallPattern.FindStringSubmatch(stderr.String())
		rss := rssPattern.FindStringSubmatch(stderr.String())
		if wall == nil || rss == nil {
			return fmt.Errorf("no /usr/bin/time figures in the output:\n%s", stderr.String())
		}
		fmt.Printf("%-4d %-8s %s kB\n", i+1, wall[1], rss[1])
	}

	return nil
}

// seed creates a provider, a role, one annotated service account, its pods
// and the events, with 16 requests in flight.
func seed(ctx context.Context, env *testenv.Env, pods, events int) error {
	top := chain.Thumbprint(env.IssuerIntermediate.Cert)
	if _, err := env.IAM.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String(env.Issuer), ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{top},
	}); err != nil {
		return err
	}

	core := env.Admin.CoreV1()
	if _, err := core.Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{}); err != nil {
		return err
	}
	role := "arn:aws:iam::123456789012:role/scale"
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{
		Name: "app", Namespace: namespace, Annotations: map[string]string{"eks.amazonaws.com/role-arn": role},
	}}
	if _, err := core.ServiceAccounts(namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		return err
	}

	return parallel(pods+events, func(i int) error {
		if i < pods {
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("app-%05d", i), Namespace: namespace},
				Spec:       corev1.PodSpec{ServiceAccountName: "app", Containers: []corev1.Container{{Name: "app", Image: "registry.invalid/app:1"}}},
			}
			testenv.InjectWebIdentity(pod, role, "sts.amazonaws.com")
			_, err := core.Pods(namespace).Create(ctx, pod, metav1.CreateOptions{})
			return err
		}
		n := i - pods
		message := "Back-off restarting failed container app"
		if n%10 == 0 {
			message = "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: " +
				"OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint"
		}
		event := &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: fmt.Sprintf("app-%05d.%d", n%max(pods, 1), n), Namespace: namespace},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: namespace, Name: fmt.Sprintf("app-%05d", n%max(pods, 1))},
			Reason:         "BackOff",
			Message:        message,
			Type:           corev1.EventTypeWarning,
			Count:          1,
		}
		_, err := core.Events(namespace).Create(ctx, event, metav1.CreateOptions{})
		return err
	})
}

// parallel calls create for 0..n-1 with 16 calls in flight and returns the
// first error.
func parallel(n int, create func(int) error) error {
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
		next     = make(chan int)
	)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := create(i); err != nil {
					once.Do(func() { firstErr = err })
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()

	return firstErr
}
