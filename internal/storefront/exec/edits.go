package exec

// Eight edits `go generate` makes to gqlgen's output (edits.pl), each for speed and each
// keeping what the library does (TestGeneratedCodeKeepsTheEdits checks they are made):
//
//   - an object's fields are collected by collectFields (collect.go), which remembers
//     them across requests;
//   - an operation's answer is marshalled into the buffer answerBuffer gives, its
//     objects' field sets come from newFieldSet, and the field contexts of fields with an
//     object's value from fieldContextIn: all from the request's pooled answer
//     (transport.go);
//   - lists are marshalled by marshalSlice below;
//   - objects are written by objectWriter below;
//   - fields are resolved by resolveField below, which takes a short way for leaves;
//   - objects start with an empty deferred group instead of graphql.NewDeferredGroup,
//     which builds the field's path, a field set and a map for every object of every
//     answer (a tenth of the API's allocation under load). None of our fields is resolved
//     concurrently below the root, so nothing is ever added to the group: a query using
//     @defer is answered whole, as it was before the edit (TestDeferIsAnsweredWhole), and
//     TestGeneratedCodeKeepsTheEdits fails if a field ever comes to be.

import (
	"context"
	"io"
	"reflect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// marshalSlice marshals a list's elements one after the other. gqlgen's generated code
// calls graphql.MarshalSliceConcurrently, which starts a goroutine per element so that
// slow field resolvers run in parallel; none of ours block (a cart is read once, before
// its fields are marshalled), so the goroutines only cost: under load they took a
// quarter of the API's CPU. `go generate` points the generated code here (see edits.pl);
// errors and panics are handled as the library handles them.
func marshalSlice(ctx context.Context, length int, _ int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret, contexts, indexes := answerOf(ctx).listParts(length)
	for i := range length {
		indexes[i] = i
		fc := &contexts[i]
		fc.Index = &indexes[i]
		childCtx := graphql.WithFieldContext(ctx, fc)
		func() {
			if !omitPanicHandler {
				defer func() {
					if r := recover(); r != nil {
						graphql.AddError(childCtx, graphql.Recover(childCtx, r))
						ret[i] = graphql.Null
					}
				}()
			}
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	return ret
}

// objectWriter writes an object's fields, in the order the query asked for them. gqlgen's
// generated code returns the graphql.FieldSet itself, whose MarshalGQL (written for @defer's
// partial views) builds a map of the names written and copies every field on the heap:
// a fifth of the API's allocation under load. A field set from CollectFields holds each
// response name once; a repeated one is still written once, as the library does.
type objectWriter struct {
	fields []graphql.CollectedField
	set    *graphql.FieldSet
}

func (o *objectWriter) MarshalGQL(w io.Writer) {
	io.WriteString(w, "{")
	for i := range o.fields {
		alias := o.fields[i].Alias
		if repeated(o.fields[:i], alias) {
			continue
		}
		if i > 0 {
			io.WriteString(w, ",")
		}
		// A response name is a GraphQL name ([_A-Za-z][_0-9A-Za-z]*): nothing to escape.
		io.WriteString(w, `"`)
		io.WriteString(w, alias)
		io.WriteString(w, `":`)
		o.set.Values[i].MarshalGQL(w)
	}
	io.WriteString(w, "}")
}

func repeated(before []graphql.CollectedField, alias string) bool {
	for i := range before {
		if before[i].Alias == alias {
			return true
		}
	}
	return false
}

// resolveField is graphql.ResolveField, with a shorter way for the commonest field of an
// answer: a leaf (a scalar or enum: no selections) that takes no arguments (none declared:
// a resolver reads even omitted ones from the field context) and has no field middleware,
// whose value is there (not a nil pointer) and whose resolver neither fails nor panics.
// Such a field is marshalled at once, without the field context gqlgen builds for every
// field (two allocations each, a sixth of the API's under load): nothing could read it,
// since a leaf has no children, no arguments, and a value its marshaller writes without
// error; its resolver, if it has one, runs without it too, with nothing there it could
// want. Every other field, and every other outcome, takes the library's way. The API
// registers no field middleware (NewHandler), so none is skipped.
func resolveField[T any](ctx context.Context, oc *graphql.OperationContext, field graphql.CollectedField,
	initializeFieldContext func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error),
	fieldResolver func(ctx context.Context) (any, error), middlewareChain func(ctx context.Context, next graphql.Resolver) graphql.Resolver,
	marshal func(ctx context.Context, sel ast.SelectionSet, v T) graphql.Marshaler, recoverFromPanic, nonNull bool) graphql.Marshaler {
	kind := reflect.TypeFor[T]().Kind()
	if middlewareChain != nil || len(field.Selections) > 0 || field.Definition == nil || len(field.Definition.Arguments) > 0 || !leafKind[kind] {
		return graphql.ResolveField(ctx, oc, field, initializeFieldContext, fieldResolver, middlewareChain, marshal, recoverFromPanic, nonNull)
	}
	// The resolver runs once: when it fails, panics or gives nothing, the library's way
	// is taken with its answer (resolved), so what the client sees is the library's.
	res, err, panicked := func() (res any, err error, panicked any) {
		if recoverFromPanic {
			defer func() { panicked = recover() }()
		}
		res, err = fieldResolver(ctx)
		return res, err, nil
	}()
	v, ok := res.(T)
	if err != nil || panicked != nil || !ok || (kind == reflect.Pointer && reflect.ValueOf(v).IsNil()) {
		resolved := func(context.Context) (any, error) {
			if panicked != nil {
				panic(panicked)
			}
			return res, err
		}
		return graphql.ResolveField(ctx, oc, field, initializeFieldContext, resolved, middlewareChain, marshal, recoverFromPanic, nonNull)
	}
	return marshal(ctx, nil, v)
}

// leafKind are the Go kinds of the leaves resolveField takes the short way: scalars and
// enums as values or pointers.
var leafKind = map[reflect.Kind]bool{reflect.Pointer: true, reflect.String: true, reflect.Bool: true, reflect.Int: true,
	reflect.Int32: true, reflect.Int64: true, reflect.Float64: true}
