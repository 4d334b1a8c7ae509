package iamcheck_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/iamcheck"
)

func TestParseRoleARN(t *testing.T) {
	name64 := strings.Repeat("a", 64)
	tests := []struct {
		name    string
		input   string
		want    iamcheck.RoleARN
		wantErr string
	}{
		{
			name:  "aws",
			input: "arn:aws:iam::111122223333:role/app",
			want:  iamcheck.RoleARN{Partition: "aws", Account: "111122223333", Path: "/", Name: "app"},
		},
		{
			name:  "aws-cn",
			input: "arn:aws-cn:iam::111122223333:role/app",
			want:  iamcheck.RoleARN{Partition: "aws-cn", Account: "111122223333", Path: "/", Name: "app"},
		},
		{
			name:  "aws-us-gov",
			input: "arn:aws-us-gov:iam::111122223333:role/app",
			want:  iamcheck.RoleARN{Partition: "aws-us-gov", Account: "111122223333", Path: "/", Name: "app"},
		},
		{
			name:  "path",
			input: "arn:aws:iam::111122223333:role/team/app/reader",
			want:  iamcheck.RoleARN{Partition: "aws", Account: "111122223333", Path: "/team/app/", Name: "reader"},
		},
		{
			name:  "name with every allowed symbol",
			input: "arn:aws:iam::111122223333:role/A_b+c=d,e.f@g-h9",
			want:  iamcheck.RoleARN{Partition: "aws", Account: "111122223333", Path: "/", Name: "A_b+c=d,e.f@g-h9"},
		},
		{
			name:  "64-character name",
			input: "arn:aws:iam::111122223333:role/" + name64,
			want:  iamcheck.RoleARN{Partition: "aws", Account: "111122223333", Path: "/", Name: name64},
		},
		{name: "empty", input: "", wantErr: "the ARN is empty"},
		{name: "not an ARN", input: "my-role", wantErr: "expected the form arn:<partition>:iam::<account>:role/<name>"},
		{name: "unknown partition", input: "arn:aws-eu:iam::111122223333:role/app", wantErr: `unknown partition "aws-eu"`},
		{name: "11-digit account", input: "arn:aws:iam::11112222333:role/app", wantErr: `the account ID "11112222333" is not 12 digits`},
		{name: "account with letters", input: "arn:aws:iam::11112222333x:role/app", wantErr: "is not 12 digits"},
		{name: "wrong service", input: "arn:aws:s3:::bucket/app", wantErr: `the service is "s3", expected iam`},
		{name: "region", input: "arn:aws:iam:us-east-1:111122223333:role/app", wantErr: `IAM ARNs have no region, but this one has "us-east-1"`},
		{name: "user instead of role", input: "arn:aws:iam::111122223333:user/alice", wantErr: `the resource type is "user", expected role`},
		{name: "no name", input: "arn:aws:iam::111122223333:role", wantErr: "the role name is empty"},
		{name: "trailing slash", input: "arn:aws:iam::111122223333:role/team/", wantErr: "the role name is empty"},
		{name: "65-character name", input: "arn:aws:iam::111122223333:role/" + name64 + "a", wantErr: "the role name is 65 characters, more than the maximum of 64"},
		{name: "space in name", input: "arn:aws:iam::111122223333:role/my app", wantErr: `the role name contains ' '`},
		{name: "trailing newline", input: "arn:aws:iam::111122223333:role/app\n", wantErr: `the role name contains '\n'`},
		{name: "empty path segment", input: "arn:aws:iam::111122223333:role//app", wantErr: `the path "//" has an empty segment`},
		{name: "space in path", input: "arn:aws:iam::111122223333:role/my team/app", wantErr: `the path "/my team/" contains " "`},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := iamcheck.ParseRoleARN(tt.input)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseRoleARN(%q) error = nil, want %q", tt.input, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseRoleARN(%q) error = %q, want it to contain %q", tt.input, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), strconv.Quote(tt.input)) {
					t.Errorf("ParseRoleARN(%q) error = %q, want it to quote the input", tt.input, err)
				}

				return
			}

			if err != nil {
				t.Fatalf("ParseRoleARN(%q) error: %v", tt.input, err)
			}
			if got != tt.want {
				t.Errorf("ParseRoleARN(%q) = %+v, want %+v", tt.input, got, tt.want)
			}
			if got.String() != tt.input {
				t.Errorf("ParseRoleARN(%q).String() = %q, want the input", tt.input, got.String())
			}
		})
	}
}

func TestRoleARNProviderARN(t *testing.T) {
	tests := []struct {
		name        string
		role        string
		providerURL string
		want        string
	}{
		{
			name:        "aws",
			role:        "arn:aws:iam::111122223333:role/team/app",
			providerURL: "oidc.eks.us-west-2.amazonaws.com/id/ABC",
			want:        "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC",
		},
		{
			name:        "aws-cn",
			role:        "arn:aws-cn:iam::111122223333:role/app",
			providerURL: "oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC",
			want:        "arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			role, err := iamcheck.ParseRoleARN(tt.role)
			if err != nil {
				t.Fatalf("ParseRoleARN(%q) error: %v", tt.role, err)
			}
			if got := role.ProviderARN(tt.providerURL); got != tt.want {
				t.Errorf("ProviderARN(%q) = %q, want %q", tt.providerURL, got, tt.want)
			}
			if got := iamcheck.URLFromARN(role.ProviderARN(tt.providerURL)); got != tt.providerURL {
				t.Errorf("URLFromARN(ProviderARN(%q)) = %q, want the provider URL", tt.providerURL, got)
			}
		})
	}
}
