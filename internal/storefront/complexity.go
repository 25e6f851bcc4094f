package storefront

import (
	"context"
	"reflect"
	"sync"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// complexityLimit refuses an operation whose complexity exceeds limit, with the error of
// gqlgen's extension.FixedComplexityLimit, but works each operation's complexity out once:
// a storefront sends the same few queries again and again, and the walk built an argument
// map for every field of every request (4 % of the API's allocation under load).
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
		n = complexity.Calculate(ctx, c.es, op, opCtx.Variables)
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
