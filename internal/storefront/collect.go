package storefront

import (
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// collectFields is graphql.CollectFields, which the generated code calls for every object
// of every answer (a `go generate` edit, see edits.go), with a memory shared by all
// requests. gqlgen remembers what it collected for one request only, and building that
// memory cost a twelfth of the API's allocation under load; a storefront sends the same
// few queries again and again, and the query cache hands each the same parsed document.
//
// What is collected from a selection set depends on the set, the type's names, the
// document's fragments, and the variables only through directives (@skip, @include,
// @defer) whose arguments name one. A set with no such directive is remembered, keyed by
// where the set and the names lie in memory: the memory keeps the set alive, so no other
// set can come to lie there, and a parsed set never changes.
func collectFields(opCtx *graphql.OperationContext, sel ast.SelectionSet, satisfies []string) []graphql.CollectedField {
	if len(sel) == 0 || len(satisfies) == 0 {
		return graphql.CollectFields(opCtx, sel, satisfies)
	}
	k := collectKey{sel: &sel[0], n: len(sel), satisfies: &satisfies[0], m: len(satisfies)}
	collected.mu.RLock()
	fields, ok := collected.m[k]
	collected.mu.RUnlock()
	if ok {
		return fields
	}
	fields = graphql.CollectFields(opCtx, sel, satisfies)
	if readsVariables(opCtx.Doc, sel, map[string]bool{}) {
		return fields
	}
	collected.mu.Lock()
	if len(collected.m) >= maxCollected {
		clear(collected.m)
	}
	collected.m[k] = fields
	collected.mu.Unlock()
	return fields
}

type collectKey struct {
	sel       *ast.Selection
	n         int
	satisfies *string
	m         int
}

// maxCollected bounds the memory; past it, it starts again.
const maxCollected = 10000

var collected = struct {
	mu sync.RWMutex
	m  map[collectKey][]graphql.CollectedField
}{m: map[collectKey][]graphql.CollectedField{}}

// readsVariables reports whether collecting sel reads a variable: whether a directive of
// one of its selections, or of the selections of the fragments it spreads (the fields'
// own selection sets are collected apart), has an argument naming a variable.
func readsVariables(doc *ast.QueryDocument, sel ast.SelectionSet, seen map[string]bool) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if directivesRead(s.Directives) {
				return true
			}
		case *ast.InlineFragment:
			if directivesRead(s.Directives) || readsVariables(doc, s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if directivesRead(s.Directives) {
				return true
			}
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if f := doc.Fragments.ForName(s.Name); f != nil && (directivesRead(f.Directives) || readsVariables(doc, f.SelectionSet, seen)) {
				return true
			}
		default:
			return true // a kind of selection this code does not know: take no chance
		}
	}
	return false
}

func directivesRead(ds ast.DirectiveList) bool {
	for _, d := range ds {
		for _, a := range d.Arguments {
			if valueReads(a.Value) {
				return true
			}
		}
	}
	return false
}

func valueReads(v *ast.Value) bool {
	if v == nil {
		return false
	}
	if v.Kind == ast.Variable {
		return true
	}
	for _, c := range v.Children {
		if valueReads(c.Value) {
			return true
		}
	}
	return false
}
