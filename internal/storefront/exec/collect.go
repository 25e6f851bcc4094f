package exec

import (
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// collectFields is graphql.CollectFields, which the generated code calls for every object
// of every answer (a `go generate` edit, see edits.pl), with a memory shared by all
// requests. gqlgen remembers what it collected for one request only, and building that
// memory cost a twelfth of the API's allocation under load; a storefront sends the same
// few queries again and again, and the query cache hands each the same parsed document.
//
// What is collected from a selection set depends on the set, the type's names, the
// document's fragments, and the variables only through directives (@skip, @include,
// @defer) whose arguments name one. So the memory is per document, and a document with
// such a directive anywhere is never remembered. In the others every selection set the
// generated code collects is either the document's own or one collected (and so
// remembered) before, and the key is where the set and the type's names lie in memory:
// the memory keeps them alive, so no other set can come to lie there, and a parsed set
// never changes. Only small documents are remembered, and at most maxDocuments of them,
// so what the memory keeps alive stays small whatever clients send.
func collectFields(opCtx *graphql.OperationContext, sel ast.SelectionSet, satisfies []string) []graphql.CollectedField {
	if len(sel) == 0 || len(satisfies) == 0 || opCtx.Doc == nil || len(opCtx.RawQuery) > MaxRememberedQuery {
		return graphql.CollectFields(opCtx, sel, satisfies)
	}
	k := collectKey{sel: &sel[0], n: len(sel), satisfies: &satisfies[0], m: len(satisfies)}
	collected.mu.RLock()
	doc, known := collected.docs[opCtx.Doc]
	fields, ok := doc.fields[k]
	collected.mu.RUnlock()
	if ok {
		return fields
	}
	fields = graphql.CollectFields(opCtx, sel, satisfies)
	if known && doc.fields == nil {
		return fields // the document reads variables in directives
	}
	collected.mu.Lock()
	defer collected.mu.Unlock()
	doc, known = collected.docs[opCtx.Doc]
	if !known {
		if len(collected.docs) >= maxDocuments {
			clear(collected.docs)
		}
		if !documentReadsVariables(opCtx.Doc) {
			doc.fields = map[collectKey][]graphql.CollectedField{}
		}
		collected.docs[opCtx.Doc] = doc
	}
	if doc.fields != nil {
		doc.fields[k] = fields
	}
	return fields
}

type collectKey struct {
	sel       *ast.Selection
	n         int
	satisfies *string
	m         int
}

// rememberedDoc is what is remembered of a document: nil fields when it reads variables.
type rememberedDoc struct {
	fields map[collectKey][]graphql.CollectedField
}

// maxDocuments bounds the documents remembered (past it, the memory starts again).
const maxDocuments = 256

// MaxRememberedQuery is the longest query text (in bytes) whose document the API's
// memories keep anything of, here and in the storefront package: a storefront's queries
// are a few KB, and a query can hold a megabyte in a single string token.
const MaxRememberedQuery = 16 << 10

var collected = struct {
	mu   sync.RWMutex
	docs map[*ast.QueryDocument]rememberedDoc
}{docs: map[*ast.QueryDocument]rememberedDoc{}}

// documentReadsVariables reports whether a directive anywhere in doc has an argument
// naming a variable.
func documentReadsVariables(doc *ast.QueryDocument) bool {
	for _, op := range doc.Operations {
		if directivesRead(op.Directives) || selectionsRead(op.SelectionSet) {
			return true
		}
	}
	for _, f := range doc.Fragments {
		if directivesRead(f.Directives) || selectionsRead(f.SelectionSet) {
			return true
		}
	}
	return false
}

func selectionsRead(sel ast.SelectionSet) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if directivesRead(s.Directives) || selectionsRead(s.SelectionSet) {
				return true
			}
		case *ast.InlineFragment:
			if directivesRead(s.Directives) || selectionsRead(s.SelectionSet) {
				return true
			}
		case *ast.FragmentSpread:
			if directivesRead(s.Directives) {
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
