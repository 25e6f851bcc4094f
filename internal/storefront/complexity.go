package storefront

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"audienceactivation/internal/storefront/exec"
)

// complexityLimit refuses an operation whose complexity exceeds limit, with the error of
// gqlgen's extension.FixedComplexityLimit, but works each operation's complexity out once:
// a storefront sends the same few queries again and again, and the walk built an argument
// map for every field of every request (4 % of the API's allocation under load). It works
// it out as gqlgen's complexity.Calculate does, but each fragment once (see
// operationComplexity): the library walks a fragment once per spread, which doubles with
// every level of fragments that spread the next one twice.
//
// It also refuses an operation whose answer may hold more than MaxValues values.
//
// With gqlgen's default costs (a field costs one plus its children) an operation's
// complexity does not depend on its variables, so the parsed operation, which the query
// cache keeps, is the key; its values are worked out again only when a page size is a
// variable. The costs are kept in an LRU cache (golang-lru, as gqlgen's query cache),
// asked once per operation. newComplexityLimit returns nil when the schema has costs of
// its own (Config.Complexity), which may read arguments: use gqlgen's extension then.
type complexityLimit struct {
	limit int
	es    graphql.ExecutableSchema
	known *lru.Cache[*ast.OperationDefinition, cost]
}

// maxKnownOperations bounds what complexityLimit remembers, the least recently asked
// forgotten first: the operations of small documents only (see maxRememberedQuery),
// so what it keeps alive stays small whatever clients send.
const maxKnownOperations = 256

func newComplexityLimit(limit int, costs exec.ComplexityRoot) *complexityLimit {
	if hasFuncs(reflect.ValueOf(costs)) {
		return nil
	}
	known, err := lru.New[*ast.OperationDefinition, cost](maxKnownOperations)
	if err != nil {
		panic(err) // only for a size below one
	}
	return &complexityLimit{limit: limit, known: known}
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
	cost, ok := c.known.Get(op)
	if !ok || cost.variable {
		// Complexity reads no variable; an answer's size does when a page size is one.
		cost = operationCost(c.es.Schema(), op, opCtx.Variables)
	}
	if !ok && len(opCtx.RawQuery) <= maxRememberedQuery {
		c.known.Add(op, cost)
	}
	n := cost.complexity
	opCtx.Stats.SetExtension("ComplexityLimit", &extension.ComplexityStats{Complexity: n, ComplexityLimit: c.limit})
	if n > c.limit {
		err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d", n, c.limit)
		errcode.Set(err, "COMPLEXITY_LIMIT_EXCEEDED")
		return err
	}
	if cost.values > MaxValues {
		err := gqlerror.Errorf("The query asks for about %d values, more than the %d allowed (each page counted full: pageSize times the fields of an item).", cost.values, MaxValues)
		errcode.Set(err, "COMPLEXITY_LIMIT_EXCEEDED")
		err.Extensions["category"] = "graphql-input"
		return err
	}
	return nil
}

// MaxValues bounds the values an answer may hold, counted as complexity is but with the
// fields below a paged field (one with a pageSize argument) counted pageSize times.
// Complexity counts a field once whatever the length of the list it is in, so 990 aliases
// of an item's sku on a page of 200 products cost 1,000 but answered 198,000 values in
// 0.4 s. PWA Studio's category page (12 products) asks for well under 2,000.
const MaxValues = 20000

// cost is what an operation asks for: its complexity (gqlgen's measure), the values its
// answer may hold, and whether that number read a variable (a page size).
type cost struct {
	complexity, values int
	variable           bool
}

// operationCost works out op's cost with each fragment's once. Its complexity is
// complexity.Calculate(ctx, es, op, vars) for a schema with gqlgen's default costs (a field
// costs one plus its children's; __schema costs nothing; a field of an interface no type
// implements costs nothing), which read no argument.
func operationCost(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any) cost {
	w := complexityWalk{schema: schema, vars: vars}
	c, v := w.selections(op.SelectionSet)
	return cost{complexity: c, values: v, variable: w.variable}
}

// operationComplexity is op's complexity alone.
func operationComplexity(schema *ast.Schema, op *ast.OperationDefinition) int {
	return operationCost(schema, op, nil).complexity
}

type complexityWalk struct {
	schema    *ast.Schema
	vars      map[string]any
	variable  bool
	fragments map[*ast.FragmentDefinition][2]int
}

// selections returns the complexity and the values of a selection set.
func (w *complexityWalk) selections(set ast.SelectionSet) (complexity, values int) {
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
			c, v := 0, 0
			switch def.Kind {
			case ast.Object, ast.Interface, ast.Union:
				c, v = w.selections(s.SelectionSet)
			}
			complexity = add(complexity, add(1, c))
			values = add(values, add(1, mul(w.pageSize(s), v)))
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			cost, ok := w.fragments[s.Definition]
			if !ok {
				if w.fragments == nil {
					w.fragments = map[*ast.FragmentDefinition][2]int{}
				}
				cost[0], cost[1] = w.selections(s.Definition.SelectionSet)
				w.fragments[s.Definition] = cost
			}
			complexity, values = add(complexity, cost[0]), add(values, cost[1])
		case *ast.InlineFragment:
			c, v := w.selections(s.SelectionSet)
			complexity, values = add(complexity, c), add(values, v)
		}
	}
	return complexity, values
}

// pageSize is the page size a field asks for: its pageSize argument, a variable's value,
// or the argument's default; 1 for a field without one. A page size the resolver refuses
// or cuts counts as asked: the query is refused the sooner.
func (w *complexityWalk) pageSize(f *ast.Field) int {
	def := f.Definition.Arguments.ForName("pageSize")
	if def == nil {
		return 1
	}
	value := def.DefaultValue
	if arg := f.Arguments.ForName("pageSize"); arg != nil {
		value = arg.Value
	}
	n := 20 // Magento's default page size
	if value != nil {
		switch value.Kind {
		case ast.IntValue:
			if i, err := strconv.Atoi(value.Raw); err == nil {
				n = i
			}
		case ast.Variable:
			w.variable = true
			switch v := w.vars[value.Raw].(type) {
			case int:
				n = v
			case int64:
				n = int(v)
			case float64:
				n = int(v)
			case json.Number:
				if i, err := v.Int64(); err == nil {
					n = int(i)
				}
			}
		}
	}
	return min(max(n, 1), math.MaxInt32)
}

// mul is a*b, saturating.
func mul(a, b int) int {
	if a != 0 && b > math.MaxInt32/a {
		return math.MaxInt32
	}
	return a * b
}
