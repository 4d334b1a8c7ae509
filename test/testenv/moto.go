package testenv

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// Credentials and region that moto accepts and that AWSEnv and Env.IAM use.
const (
	AWSAccessKeyID     = "testing"
	AWSSecretAccessKey = "testing"
	AWSRegion          = "us-east-1"
)

func (e *Env) startMoto(ctx context.Context, motoPath string) error {
	began := time.Now()
	err := e.launchOnFreePorts(ctx, MotoBinary, 1, func(ctx context.Context, ports []int) (*process, error) {
		endpoint := "http://127.0.0.1:" + strconv.Itoa(ports[0])
		args := []string{"-H", "127.0.0.1", "-p", strconv.Itoa(ports[0])}
		p, err := e.startProcess(MotoBinary, motoPath, args, filepath.Join(e.Dir, "moto.log"))
		if err != nil {
			return nil, err
		}

		client := loopbackHTTPClient(nil)
		err = p.waitReady(ctx, func(ctx context.Context) error {
			return checkMoto(ctx, client, endpoint)
		})
		if err == nil {
			e.IAMEndpoint = endpoint
		}
		return p, err
	})
	if err != nil {
		return err
	}

	e.IAM = iam.New(iam.Options{
		Region:       AWSRegion,
		BaseEndpoint: aws.String(e.IAMEndpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(AWSAccessKeyID, AWSSecretAccessKey, ""),
		HTTPClient:   loopbackHTTPClient(nil),
	})
	e.logf("testenv: moto_server ready on %s after %s", e.IAMEndpoint, time.Since(began).Round(time.Millisecond))

	return nil
}

// checkMoto returns nil when moto's own API responds at endpoint. Another
// program that took the port would not serve /moto-api/.
func checkMoto(ctx context.Context, client *http.Client, endpoint string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/moto-api/", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s/moto-api/: status %s", endpoint, resp.Status)
	}

	return nil
}

// ResetIAM deletes everything in moto, in every service, through
// POST /moto-api/reset.
func (e *Env) ResetIAM(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.IAMEndpoint+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	resp, err := loopbackHTTPClient(nil).Do(req)
	if err != nil {
		return fmt.Errorf("reset moto at %s: %w", e.IAMEndpoint, err)
	}
	defer resp.Body.Close()

	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reset moto at %s: status %s: %s", e.IAMEndpoint, resp.Status, body)
	}

	return nil
}

// AWSEnv returns environment variables that point an AWS SDK or CLI in a
// child process at moto, with static credentials and empty config files.
// AWS_ENDPOINT_URL sends every other service to moto too, so that no request
// leaves the machine.
func (e *Env) AWSEnv() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + e.IAMEndpoint,
		"AWS_ENDPOINT_URL_IAM=" + e.IAMEndpoint,
		"AWS_ACCESS_KEY_ID=" + AWSAccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + AWSSecretAccessKey,
		"AWS_REGION=" + AWSRegion,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + e.awsConfig,
		"AWS_SHARED_CREDENTIALS_FILE=" + e.awsCreds,
	}
}

// AWSEnvFrom returns base without its AWS_ variables, followed by AWSEnv.
// Use it with os.Environ() so that a profile, session token or endpoint of
// the developer cannot reach the child process.
func (e *Env) AWSEnvFrom(base []string) []string {
	out := make([]string, 0, len(base)+8)
	for _, kv := range base {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}

	return append(out, e.AWSEnv()...)
}
