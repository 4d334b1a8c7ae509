package diagnose

import (
	"slices"
	"sort"
	"strings"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/workload"
)

// audience is a token audience with the service accounts that use it.
type audience struct {
	name  string
	users []string
}

// audiences returns the audiences of the annotated service accounts, or
// the default one when there are none, sorted by name.
func (ev *evidence) audiences() []audience {
	users := map[string][]string{}
	if ev.workloads != nil {
		for _, sa := range ev.workloads.ServiceAccounts {
			users[sa.Audience] = append(users[sa.Audience], "used by service account "+sa.Namespace+"/"+sa.Name)
		}
	}
	if len(users) == 0 {
		users[workload.DefaultAudience] = nil
	}

	out := make([]audience, 0, len(users))
	for name, list := range users {
		if len(list) > maxListed {
			list = append(list[:maxListed:maxListed], "and more")
		}
		out = append(out, audience{name: name, users: list})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })

	return out
}

func (ev *evidence) audienceNames() []string {
	var names []string
	for _, a := range ev.audiences() {
		names = append(names, a.name)
	}

	return names
}

// difference returns the entries of a that b lacks.
func difference(a, b []string) []string {
	var out []string
	for _, item := range a {
		if !slices.Contains(b, item) {
			out = append(out, item)
		}
	}

	return out
}

func listOrNone(list []string) string {
	if len(list) == 0 {
		return "(none)"
	}

	return strings.Join(list, ", ")
}
