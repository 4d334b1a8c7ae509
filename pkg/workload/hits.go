package workload

import (
	"sort"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/stserr"
)

// hitSet merges hits for the same object and cause.
type hitSet struct {
	byKey map[hitKey]*Hit
}

type hitKey struct {
	kind, namespace, name string
	cause                 stserr.Cause
}

func newHitSet() *hitSet {
	return &hitSet{byKey: map[hitKey]*Hit{}}
}

func (s *hitSet) add(hit Hit) {
	key := hitKey{hit.Kind, hit.Namespace, hit.Name, hit.Match.Cause}
	existing, ok := s.byKey[key]
	if !ok {
		s.byKey[key] = &hit
		return
	}
	existing.Count += hit.Count
	if hit.LastSeen.After(existing.LastSeen) {
		existing.LastSeen = hit.LastSeen
		existing.Source = hit.Source
		existing.Match = hit.Match
	}
	if existing.ServiceAccount == "" {
		existing.ServiceAccount = hit.ServiceAccount
	}
	if existing.Workload == "" {
		existing.Workload = hit.Workload
	}
}

// sorted returns the hits by namespace, kind, name and cause.
func (s *hitSet) sorted() []Hit {
	hits := make([]Hit, 0, len(s.byKey))
	for _, hit := range s.byKey {
		hits = append(hits, *hit)
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Match.Cause < b.Match.Cause
	})

	return hits
}
