package exec

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// RootFields are an operation's top-level fields (fragments expanded, @skip and @include
// applied), collected as the generated code collects them, so that a limit on them counts
// what will run.
func RootFields(oc *graphql.OperationContext) []graphql.CollectedField {
	root := queryImplementors
	if oc.Operation.Operation == ast.Mutation {
		root = mutationImplementors
	}
	return collectFields(oc, oc.Operation.SelectionSet, root)
}
