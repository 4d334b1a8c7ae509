// Package iamcheck reads the IAM OpenID Connect identity provider that
// matches a service account issuer.
package iamcheck

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// API is the part of the IAM client that the checks call.
type API interface {
	ListOpenIDConnectProviders(ctx context.Context, in *iam.ListOpenIDConnectProvidersInput, optFns ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error)
	GetOpenIDConnectProvider(ctx context.Context, in *iam.GetOpenIDConnectProviderInput, optFns ...func(*iam.Options)) (*iam.GetOpenIDConnectProviderOutput, error)
}

// Provider is an IAM OpenID Connect identity provider.
type Provider struct {
	ARN string
	// URL is the provider URL as IAM stores it, without "https://".
	URL         string
	ClientIDs   []string
	Thumbprints []string
}

// FindProvider returns the provider whose URL equals providerURL (see
// issuer.ProviderURL), or nil when the account has none. Other providers
// are returned as candidates when their URL differs only by case or by a
// trailing slash, since STS compares URLs exactly.
func FindProvider(ctx context.Context, api API, providerURL string) (found *Provider, similar []string, err error) {
	list, err := api.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		return nil, nil, fmt.Errorf("list IAM OIDC providers: %w", err)
	}

	for _, entry := range list.OpenIDConnectProviderList {
		arn := aws.ToString(entry.Arn)
		url := URLFromARN(arn)
		switch {
		case url == providerURL:
			provider, err := getProvider(ctx, api, arn)
			if err != nil {
				return nil, nil, err
			}

			return provider, nil, nil
		case strings.EqualFold(strings.TrimSuffix(url, "/"), providerURL):
			similar = append(similar, arn)
		}
	}

	return nil, similar, nil
}

func getProvider(ctx context.Context, api API, arn string) (*Provider, error) {
	out, err := api.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String(arn),
	})
	if err != nil {
		return nil, fmt.Errorf("get IAM OIDC provider %s: %w", arn, err)
	}

	return &Provider{
		ARN:         arn,
		URL:         aws.ToString(out.Url),
		ClientIDs:   append([]string(nil), out.ClientIDList...),
		Thumbprints: append([]string(nil), out.ThumbprintList...),
	}, nil
}

// URLFromARN returns the provider URL part of an OIDC provider ARN such as
// "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X",
// or "" when arn is not an OIDC provider ARN.
func URLFromARN(arn string) string {
	_, url, ok := strings.Cut(arn, ":oidc-provider/")
	if !ok {
		return ""
	}

	return url
}

// AccountFromARN returns the account ID field of an ARN, or "".
func AccountFromARN(arn string) string {
	fields := strings.SplitN(arn, ":", 6)
	if len(fields) < 6 || fields[0] != "arn" {
		return ""
	}

	return fields[4]
}
