package iamcheck_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/iamcheck"
)

// fakeIAM is an API that returns fixed providers and errors.
type fakeIAM struct {
	arns []string
	// providers maps an ARN to what GetOpenIDConnectProvider returns for it.
	providers map[string]*iam.GetOpenIDConnectProviderOutput
	listErr   error
	getErr    error
	// gets records the ARNs passed to GetOpenIDConnectProvider.
	gets []string
}

func (f *fakeIAM) ListOpenIDConnectProviders(ctx context.Context, in *iam.ListOpenIDConnectProvidersInput, optFns ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error) {
	if f.listErr != nil {
		return nil, f.listErr
	}
	out := &iam.ListOpenIDConnectProvidersOutput{}
	for _, arn := range f.arns {
		out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, types.OpenIDConnectProviderListEntry{Arn: aws.String(arn)})
	}

	return out, nil
}

func (f *fakeIAM) GetOpenIDConnectProvider(ctx context.Context, in *iam.GetOpenIDConnectProviderInput, optFns ...func(*iam.Options)) (*iam.GetOpenIDConnectProviderOutput, error) {
	arn := aws.ToString(in.OpenIDConnectProviderArn)
	f.gets = append(f.gets, arn)
	if f.getErr != nil {
		return nil, f.getErr
	}
	out, ok := f.providers[arn]
	if !ok {
		return nil, errors.New("NoSuchEntity: provider " + arn + " not found")
	}

	return out, nil
}

const (
	issuerURL = "oidc.eks.us-west-2.amazonaws.com/id/ABC123"
	exactARN  = "arn:aws:iam::111122223333:oidc-provider/" + issuerURL
	otherARN  = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/OTHER"
	// caseARN differs from exactARN only in the case of its path.
	caseARN = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/abc123"
	// slashARN differs from exactARN only by a trailing slash.
	slashARN = "arn:aws:iam::111122223333:oidc-provider/" + issuerURL + "/"
)

func exactProvider() *iam.GetOpenIDConnectProviderOutput {
	return &iam.GetOpenIDConnectProviderOutput{
		Url:            aws.String(issuerURL),
		ClientIDList:   []string{"sts.amazonaws.com"},
		ThumbprintList: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"},
	}
}

func TestFindProvider(t *testing.T) {
	tests := []struct {
		name        string
		api         *fakeIAM
		wantARN     string // empty means no provider found
		wantSimilar []string
		wantErr     string
		wantGets    []string
	}{
		{
			name: "found",
			api: &fakeIAM{
				arns:      []string{otherARN, exactARN},
				providers: map[string]*iam.GetOpenIDConnectProviderOutput{exactARN: exactProvider()},
			},
			wantARN:  exactARN,
			wantGets: []string{exactARN},
		},
		{
			name:     "not found",
			api:      &fakeIAM{arns: []string{otherARN}},
			wantGets: nil,
		},
		{
			name:     "empty account",
			api:      &fakeIAM{},
			wantGets: nil,
		},
		{
			name:        "similar by case",
			api:         &fakeIAM{arns: []string{otherARN, caseARN}},
			wantSimilar: []string{caseARN},
		},
		{
			name:        "similar by trailing slash",
			api:         &fakeIAM{arns: []string{slashARN, otherARN}},
			wantSimilar: []string{slashARN},
		},
		{
			name:        "similar by case and slash",
			api:         &fakeIAM{arns: []string{caseARN, slashARN}},
			wantSimilar: []string{caseARN, slashARN},
		},
		{
			name: "exact match wins over similar",
			api: &fakeIAM{
				arns:      []string{caseARN, exactARN},
				providers: map[string]*iam.GetOpenIDConnectProviderOutput{exactARN: exactProvider()},
			},
			wantARN:  exactARN,
			wantGets: []string{exactARN},
		},
		{
			name:    "list error",
			api:     &fakeIAM{listErr: errors.New("AccessDenied: not authorized to perform iam:ListOpenIDConnectProviders")},
			wantErr: "list IAM OIDC providers: AccessDenied",
		},
		{
			name: "get error",
			api: &fakeIAM{
				arns:   []string{exactARN},
				getErr: errors.New("AccessDenied: not authorized to perform iam:GetOpenIDConnectProvider"),
			},
			wantErr:  "get IAM OIDC provider " + exactARN + ": AccessDenied",
			wantGets: []string{exactARN},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found, similar, err := iamcheck.FindProvider(context.Background(), tt.api, issuerURL)
			if !slices.Equal(tt.api.gets, tt.wantGets) {
				t.Errorf("FindProvider(%q) called GetOpenIDConnectProvider with %q, want %q", issuerURL, tt.api.gets, tt.wantGets)
			}
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("FindProvider(%q) error = nil, want an error containing %q", issuerURL, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("FindProvider(%q) error = %q, want it to contain %q", issuerURL, err, tt.wantErr)
				}
				if found != nil {
					t.Errorf("FindProvider(%q) provider = %+v, want nil with an error", issuerURL, found)
				}
				return
			}
			if err != nil {
				t.Fatalf("FindProvider(%q) error = %v, want nil", issuerURL, err)
			}
			if !slices.Equal(similar, tt.wantSimilar) {
				t.Errorf("FindProvider(%q) similar = %q, want %q", issuerURL, similar, tt.wantSimilar)
			}
			if tt.wantARN == "" {
				if found != nil {
					t.Errorf("FindProvider(%q) provider = %+v, want nil", issuerURL, found)
				}
				return
			}
			if found == nil {
				t.Fatalf("FindProvider(%q) provider = nil, want %s", issuerURL, tt.wantARN)
			}
			if found.ARN != tt.wantARN {
				t.Errorf("FindProvider(%q).ARN = %q, want %q", issuerURL, found.ARN, tt.wantARN)
			}
		})
	}
}

func TestFindProviderCopiesFields(t *testing.T) {
	out := exactProvider()
	api := &fakeIAM{
		arns:      []string{exactARN},
		providers: map[string]*iam.GetOpenIDConnectProviderOutput{exactARN: out},
	}

	found, _, err := iamcheck.FindProvider(context.Background(), api, issuerURL)
	if err != nil {
		t.Fatalf("FindProvider(%q) error = %v, want nil", issuerURL, err)
	}
	if found == nil {
		t.Fatalf("FindProvider(%q) provider = nil, want %s", issuerURL, exactARN)
	}
	if found.URL != issuerURL {
		t.Errorf("FindProvider(%q).URL = %q, want %q", issuerURL, found.URL, issuerURL)
	}
	if want := []string{"sts.amazonaws.com"}; !slices.Equal(found.ClientIDs, want) {
		t.Errorf("FindProvider(%q).ClientIDs = %q, want %q", issuerURL, found.ClientIDs, want)
	}
	if want := []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}; !slices.Equal(found.Thumbprints, want) {
		t.Errorf("FindProvider(%q).Thumbprints = %q, want %q", issuerURL, found.Thumbprints, want)
	}

	// The provider must not share its slices with the SDK output.
	out.ClientIDList[0] = "changed"
	out.ThumbprintList[0] = "changed"
	if found.ClientIDs[0] != "sts.amazonaws.com" {
		t.Errorf("FindProvider(%q).ClientIDs[0] = %q after the SDK output changed, want %q", issuerURL, found.ClientIDs[0], "sts.amazonaws.com")
	}
	if found.Thumbprints[0] != "9e99a48a9960b14926bb7f3b02e22da2b0ab7280" {
		t.Errorf("FindProvider(%q).Thumbprints[0] = %q after the SDK output changed, want the original", issuerURL, found.Thumbprints[0])
	}
}

func TestFindProviderWrapsErrors(t *testing.T) {
	listErr := errors.New("throttled")
	_, _, err := iamcheck.FindProvider(context.Background(), &fakeIAM{listErr: listErr}, issuerURL)
	if !errors.Is(err, listErr) {
		t.Errorf("FindProvider(list fails) error = %v, want it to wrap %v", err, listErr)
	}

	getErr := errors.New("throttled")
	_, _, err = iamcheck.FindProvider(context.Background(), &fakeIAM{arns: []string{exactARN}, getErr: getErr}, issuerURL)
	if !errors.Is(err, getErr) {
		t.Errorf("FindProvider(get fails) error = %v, want it to wrap %v", err, getErr)
	}
}

func TestURLFromARN(t *testing.T) {
	tests := []struct {
		name string
		arn  string
		want string
	}{
		{name: "aws", arn: exactARN, want: issuerURL},
		{
			name: "aws-cn",
			arn:  "arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC",
			want: "oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC",
		},
		{
			name: "aws-us-gov",
			arn:  "arn:aws-us-gov:iam::111122223333:oidc-provider/oidc.eks.us-gov-west-1.amazonaws.com/id/ABC",
			want: "oidc.eks.us-gov-west-1.amazonaws.com/id/ABC",
		},
		{
			name: "self-managed issuer with port",
			arn:  "arn:aws:iam::111122223333:oidc-provider/issuer.example.com:8443/cluster",
			want: "issuer.example.com:8443/cluster",
		},
		{name: "trailing slash kept", arn: slashARN, want: issuerURL + "/"},
		{name: "role ARN", arn: "arn:aws:iam::111122223333:role/app", want: ""},
		{name: "SAML provider ARN", arn: "arn:aws:iam::111122223333:saml-provider/corp", want: ""},
		{name: "empty", arn: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := iamcheck.URLFromARN(tt.arn); got != tt.want {
				t.Errorf("URLFromARN(%q) = %q, want %q", tt.arn, got, tt.want)
			}
		})
	}
}

func TestAccountFromARN(t *testing.T) {
	tests := []struct {
		name string
		arn  string
		want string
	}{
		{name: "aws role", arn: "arn:aws:iam::111122223333:role/app", want: "111122223333"},
		{name: "aws role with path", arn: "arn:aws:iam::111122223333:role/team/app", want: "111122223333"},
		{name: "aws-cn role", arn: "arn:aws-cn:iam::444455556666:role/app", want: "444455556666"},
		{name: "aws-us-gov role", arn: "arn:aws-us-gov:iam::777788889999:role/app", want: "777788889999"},
		{name: "OIDC provider", arn: exactARN, want: "111122223333"},
		{name: "colons in resource", arn: "arn:aws:logs:us-east-1:111122223333:log-group:app:*", want: "111122223333"},
		{name: "too few fields", arn: "arn:aws:iam::111122223333", want: ""},
		{name: "not an ARN", arn: "app-role", want: ""},
		{name: "wrong prefix", arn: "urn:aws:iam::111122223333:role/app", want: ""},
		{name: "upper-case prefix", arn: "ARN:aws:iam::111122223333:role/app", want: ""},
		{name: "empty", arn: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := iamcheck.AccountFromARN(tt.arn); got != tt.want {
				t.Errorf("AccountFromARN(%q) = %q, want %q", tt.arn, got, tt.want)
			}
		})
	}
}
