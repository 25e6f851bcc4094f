package exec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// The edits `go generate` makes to gqlgen's output (see edits.go) hold only while no field
// below the root is resolved concurrently: such a field would put a client's @defer into
// the deferred group the edit leaves empty. A schema or model change that makes gqlgen
// resolve a field concurrently fails here, not in production.
func TestGeneratedCodeKeepsTheEdits(t *testing.T) {
	src, err := os.ReadFile("generated.go")
	if err != nil {
		t.Fatal(err)
	}
	code := string(src)
	for _, call := range []string{"graphql.MarshalSliceConcurrently(", "graphql.NewDeferredGroup(", ".ResolveConcurrently(", "graphql.ResolveField(", "graphql.CollectFields(", "graphql.NewFieldSet("} {
		if strings.Contains(code, call) {
			t.Errorf("generated.go calls %s: rerun `make generate`, and read edits.go before changing the edits", call)
		}
	}
	if !strings.Contains(code, "marshalSlice(") || !strings.Contains(code, "var deferred graphql.DeferredGroup") {
		t.Error("generated.go lacks the edits: rerun `make generate`")
	}
	if objects, written := strings.Count(code, "fields := collectFields(ec.OperationContext, "), strings.Count(code, "return &objectWriter{fields, out}"); objects != written {
		t.Errorf("%d objects, %d written by objectWriter: rerun `make generate`", objects, written)
	}
	if strings.Contains(code, "(_ context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, err error) {\n\tfc = &graphql.FieldContext{") {
		t.Error("a field context is not taken from the request's answer: rerun `make generate`")
	}
	if strings.Contains(code, "var buf bytes.Buffer") || strings.Count(code, "var buf *bytes.Buffer = answerBuffer(ctx)") != 2 {
		t.Error("the query's and the mutation's answers are not marshalled into answerBuffer: rerun `make generate`")
	}
}

// An object is written as gqlgen writes it: its fields in order, a repeated response name
// once.
func TestObjectWriter(t *testing.T) {
	fields := []graphql.CollectedField{{Field: &ast.Field{Alias: "sku"}}, {Field: &ast.Field{Alias: "price"}}, {Field: &ast.Field{Alias: "sku"}}}
	set := graphql.NewFieldSet(fields)
	set.Values[0], set.Values[1], set.Values[2] = graphql.MarshalString(`TEE "1"`), graphql.MarshalFloat(25), graphql.MarshalString("again")
	var b strings.Builder
	(&objectWriter{fields, set}).MarshalGQL(&b)
	if want := `{"sku":"TEE \"1\"","price":25}`; b.String() != want {
		t.Fatalf("got %s, want %s", b.String(), want)
	}
}

// The short way for leaves answers as the library does, whatever the resolver gives: a
// value, a nil pointer (for a nullable and a non-null field), an error or a panic: the
// same JSON, the same errors with the same paths.
func TestResolveFieldAnswersAsTheLibrary(t *testing.T) {
	ten := 10.0
	outcomes := map[string]func(ctx context.Context) (any, error){
		"value":       func(context.Context) (any, error) { return &ten, nil },
		"nil":         func(context.Context) (any, error) { return (*float64)(nil), nil },
		"untyped nil": func(context.Context) (any, error) { return nil, nil },
		"error":       func(context.Context) (any, error) { return nil, errors.New("no price") },
		"panic":       func(context.Context) (any, error) { panic("broken") },
	}
	type answer struct {
		json   string
		errors string
	}
	run := func(resolve func(context.Context, *graphql.OperationContext, graphql.CollectedField,
		func(context.Context, graphql.CollectedField) (*graphql.FieldContext, error), func(context.Context) (any, error),
		func(context.Context, graphql.Resolver) graphql.Resolver, func(context.Context, ast.SelectionSet, *float64) graphql.Marshaler, bool, bool) graphql.Marshaler,
		resolver func(context.Context) (any, error), nonNull bool) answer {
		quiet := func(_ context.Context, p any) error { return fmt.Errorf("internal system error: %v", p) }
		oc := &graphql.OperationContext{RawQuery: "{ price { value } }", Variables: map[string]any{}, RecoverFunc: quiet,
			ResolverMiddleware:     func(ctx context.Context, next graphql.Resolver) (any, error) { return next(ctx) },
			RootResolverMiddleware: func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler { return next(ctx) }}
		ctx := graphql.WithOperationContext(context.Background(), oc)
		ctx = graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, quiet)
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Money", Field: graphql.CollectedField{Field: &ast.Field{Alias: "price", Name: "price"}}})
		field := graphql.CollectedField{Field: &ast.Field{Alias: "value", Name: "value", Position: &ast.Position{Line: 1, Column: 11},
			Definition: &ast.FieldDefinition{Name: "value", Type: &ast.Type{NamedType: "Float", NonNull: nonNull}}}}
		initFC := func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return graphql.NewScalarFieldContext("Money", field, false, false, "Float")
		}
		marshal := func(ctx context.Context, _ ast.SelectionSet, v *float64) graphql.Marshaler {
			if v == nil {
				if nonNull {
					graphql.AddInvalidNullError(ctx, "")
				}
				return graphql.Null
			}
			return graphql.MarshalFloat(*v)
		}
		var b strings.Builder
		resolve(ctx, oc, field, initFC, resolver, nil, marshal, true, nonNull).MarshalGQL(&b)
		var errs []string
		for _, e := range graphql.GetErrors(ctx) {
			errs = append(errs, e.Path.String()+": "+e.Message)
		}
		return answer{b.String(), strings.Join(errs, "; ")}
	}
	for name, resolver := range outcomes {
		for _, nonNull := range []bool{false, true} {
			ours := run(resolveField[*float64], resolver, nonNull)
			theirs := run(graphql.ResolveField[*float64], resolver, nonNull)
			if ours != theirs {
				t.Errorf("%s (non-null %v): ours %+v, the library's %+v", name, nonNull, ours, theirs)
			}
			if name == "value" && ours.json != "10" {
				t.Errorf("value: %+v", ours)
			}
		}
	}
}
