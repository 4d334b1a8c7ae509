package iamcheck

import (
	"fmt"
	"strings"
)

// RoleARN is a parsed IAM role ARN such as
// "arn:aws:iam::111122223333:role/team/app/reader".
type RoleARN struct {
	// Partition is "aws", "aws-cn" or "aws-us-gov".
	Partition string
	// Account is the 12-digit account ID.
	Account string
	// Path starts and ends with "/", for example "/team/app/". It is "/" when
	// the ARN has no path.
	Path string
	// Name is the role name without its path.
	Name string
}

// maxRoleNameLength is IAM's maximum role name length, in characters.
const maxRoleNameLength = 64

// ParseRoleARN parses an IAM role ARN of the form
// "arn:<partition>:iam::<12-digit account>:role/<path/>name", as the
// eks.amazonaws.com/role-arn annotation carries it. The error quotes s and
// names the part that is invalid.
func ParseRoleARN(s string) (RoleARN, error) {
	invalid := func(format string, args ...any) (RoleARN, error) {
		return RoleARN{}, fmt.Errorf("invalid role ARN %q: %s", s, fmt.Sprintf(format, args...))
	}

	if s == "" {
		return invalid("the ARN is empty")
	}

	fields := strings.SplitN(s, ":", 6)
	if len(fields) != 6 || fields[0] != "arn" {
		return invalid("expected the form arn:<partition>:iam::<account>:role/<name>")
	}

	partition, service, region, account, resource := fields[1], fields[2], fields[3], fields[4], fields[5]
	switch partition {
	case "aws", "aws-cn", "aws-us-gov":
	default:
		return invalid("unknown partition %q, expected aws, aws-cn or aws-us-gov", partition)
	}

	if service != "iam" {
		return invalid("the service is %q, expected iam", service)
	}

	if region != "" {
		return invalid("IAM ARNs have no region, but this one has %q", region)
	}

	if !isAccountID(account) {
		return invalid("the account ID %q is not 12 digits", account)
	}

	resourceType, rest, _ := strings.Cut(resource, "/")
	if resourceType != "role" {
		return invalid("the resource type is %q, expected role", resourceType)
	}

	path, name := "/", rest
	if i := strings.LastIndex(rest, "/"); i >= 0 {
		path, name = "/"+rest[:i+1], rest[i+1:]
	}

	if name == "" {
		return invalid("the role name is empty")
	}

	if len(name) > maxRoleNameLength {
		return invalid("the role name is %d characters, more than the maximum of %d", len(name), maxRoleNameLength)
	}

	for _, r := range name {
		if !isRoleNameChar(r) {
			return invalid("the role name contains %q, but only ASCII letters, digits and _+=,.@- are allowed", r)
		}
	}

	if err := validateRolePath(path); err != nil {
		return invalid("%v", err)
	}

	return RoleARN{Partition: partition, Account: account, Path: path, Name: name}, nil
}

// String returns the ARN in the form that IAM prints.
func (r RoleARN) String() string {
	return "arn:" + r.Partition + ":iam::" + r.Account + ":role" + r.Path + r.Name
}

// ProviderARN returns the ARN of the IAM OIDC provider for providerURL (the
// issuer URL without "https://") in the role's partition and account. STS
// looks for the provider in the role's account, so a role in another account
// needs its own provider for the same issuer.
func (r RoleARN) ProviderARN(providerURL string) string {
	return "arn:" + r.Partition + ":iam::" + r.Account + ":oidc-provider/" + providerURL
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}

	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}

	return true
}

// isRoleNameChar reports whether r may appear in a role name. The RoleName
// field of CreateRoleInput in aws-sdk-go-v2/service/iam allows ASCII letters,
// digits and the characters _+=,.@-.
func isRoleNameChar(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}

	return strings.ContainsRune("_+=,.@-", r)
}

// validateRolePath checks a path that ParseRoleARN built as "/" + middle + "/".
// CreateRole accepts "/" alone, or a middle of one or more characters from
// U+0021 ("!") to U+007F (DEL), as the Path field of CreateRoleInput in
// aws-sdk-go-v2/service/iam documents it.
func validateRolePath(path string) error {
	if path == "/" {
		return nil
	}

	middle := path[1 : len(path)-1]
	if middle == "" {
		return fmt.Errorf("the path %q has an empty segment", path)
	}

	for i := 0; i < len(middle); i++ {
		if c := middle[i]; c < 0x21 || c > 0x7f {
			return fmt.Errorf("the path %q contains %q, but only ASCII characters from ! to DEL are allowed", path, middle[i:i+1])
		}
	}

	return nil
}
