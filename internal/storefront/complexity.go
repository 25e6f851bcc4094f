package storefront

import (
	"context"
	"reflect"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// complexityLimit refuses an operation whose complexity exceeds limit, with the error of
// gqlgen's extension.FixedComplexityLimit, but works each operation's complexity out once:
// a storefront sends the same few queries again and again, and the walk built an argument
// map for every field of every request (4 % of the API's allocation under load). It works
// it out as gqlgen's complexity.Calculate does, but each fragment once (see
// operationComplexity): the library walks a fragment once per spread, which doubles with
// every level of fragments that spread the next one twice.
//
// With gqlgen's default costs (a field costs one plus its children) an operation's
// complexity does not depend on its variables, so the parsed operation, which the query
// cache keeps, is the key. newComplexityLimit returns nil when the schema has costs of its
// own (Config.Complexity), which may read arguments: use gqlgen's extension then.
type complexityLimit struct {
	limit int
	es    graphql.ExecutableSchema
	mu    sync.RWMutex
	known map[*ast.OperationDefinition]int
}

// maxKnownOperations bounds what complexityLimit remembers (past it, it starts again): the
// operations of small documents only (see maxRememberedQuery), so what it keeps alive
// stays small whatever clients send.
const maxKnownOperations = 256

func newComplexityLimit(limit int, costs ComplexityRoot) *complexityLimit {
	if hasFuncs(reflect.ValueOf(costs)) {
		return nil
	}
	return &complexityLimit{limit: limit, known: map[*ast.OperationDefinition]int{}}
}

// hasFuncs reports whether v, a struct of structs of funcs, holds a func.
func hasFuncs(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if hasFuncs(v.Field(i)) {
				return true
			}
		}
	case reflect.Func:
		return !v.IsNil()
	}
	return false
}

func (c *complexityLimit) ExtensionName() string { return "ComplexityLimit" }

func (c *complexityLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

func (c *complexityLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Doc.Operations.ForName(opCtx.OperationName)
	if op == nil {
		return nil
	}
	c.mu.RLock()
	n, ok := c.known[op]
	c.mu.RUnlock()
	if !ok {
		n = operationComplexity(c.es.Schema(), op)
	}
	if !ok && len(opCtx.RawQuery) <= maxRememberedQuery {
		c.mu.Lock()
		if len(c.known) >= maxKnownOperations {
			clear(c.known)
		}
		c.known[op] = n
		c.mu.Unlock()
	}
	opCtx.Stats.SetExtension("ComplexityLimit", &extension.ComplexityStats{Complexity: n, ComplexityLimit: c.limit})
	if n > c.limit {
		err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d", n, c.limit)
		errcode.Set(err, "COMPLEXITY_LIMIT_EXCEEDED")
		return err
	}
	return nil
}

// operationComplexity is complexity.Calculate(ctx, es, op, vars) for a schema with
// gqlgen's default costs (a field costs one plus its children's; __schema costs nothing;
// a field of an interface no type implements costs nothing), with each fragment's cost
// worked out once. The costs read no argument, so none is read.
func operationComplexity(schema *ast.Schema, op *ast.OperationDefinition) int {
	w := complexityWalk{schema: schema}
	return w.selections(op.SelectionSet)
}

type complexityWalk struct {
	schema    *ast.Schema
	fragments map[*ast.FragmentDefinition]int
}

func (w *complexityWalk) selections(set ast.SelectionSet) int {
	n := 0
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if s.Definition == nil || s.ObjectDefinition == nil {
				continue // not after validation
			}
			def := w.schema.Types[s.Definition.Type.Name()]
			if def == nil || def.Name == "__Schema" {
				continue
			}
			if s.ObjectDefinition.Kind == ast.Interface && len(w.schema.GetPossibleTypes(s.ObjectDefinition)) == 0 {
				continue
			}
			children := 0
			switch def.Kind {
			case ast.Object, ast.Interface, ast.Union:
				children = w.selections(s.SelectionSet)
			}
			n = add(n, add(1, children))
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			cost, ok := w.fragments[s.Definition]
			if !ok {
				if w.fragments == nil {
					w.fragments = map[*ast.FragmentDefinition]int{}
				}
				cost = w.selections(s.Definition.SelectionSet)
				w.fragments[s.Definition] = cost
			}
			n = add(n, cost)
		case *ast.InlineFragment:
			n = add(n, w.selections(s.SelectionSet))
		}
	}
	return n
}
