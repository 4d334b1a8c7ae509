package iamcheck

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

// RoleAPI is the part of the IAM client that reads roles.
type RoleAPI interface {
	GetRole(ctx context.Context, in *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error)
}

// Client is every IAM call that diagnose makes.
type Client interface {
	API
	RoleAPI
}

var (
	// ErrRoleNotFound means GetRole returned NoSuchEntity.
	ErrRoleNotFound = errors.New("role not found")
	// ErrAccessDenied means IAM rejected the call for these credentials.
	ErrAccessDenied = errors.New("access denied")
)

// Role is a role read with GetRole.
type Role struct {
	// ARN is the role's ARN as IAM returns it, with its real path.
	ARN    string
	Policy *Policy
}

// GetRole reads a role of the credentials' account by name, with its trust
// policy. GetRole cannot read a role of another account, so callers compare
// Role.ARN with the ARN they expected.
func GetRole(ctx context.Context, api RoleAPI, name string) (*Role, error) {
	out, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	var notFound *types.NoSuchEntityException
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &notFound):
		return nil, fmt.Errorf("get role %s: %w", name, ErrRoleNotFound)
	case errors.As(err, &apiErr) && (apiErr.ErrorCode() == "AccessDenied" || apiErr.ErrorCode() == "AccessDeniedException"):
		return nil, fmt.Errorf("get role %s: %w: %v", name, ErrAccessDenied, err)
	case err != nil:
		return nil, fmt.Errorf("get role %s: %w", name, err)
	case out.Role == nil:
		return nil, fmt.Errorf("get role %s: the response has no role", name)
	}

	policy, err := ParsePolicy(aws.ToString(out.Role.AssumeRolePolicyDocument))
	if err != nil {
		return nil, fmt.Errorf("trust policy of role %s: %w", name, err)
	}

	return &Role{ARN: aws.ToString(out.Role.Arn), Policy: policy}, nil
}
