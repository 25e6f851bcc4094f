package storefront

// Three edits `go generate` makes to gqlgen's output (see deps.go), each for speed and each
// keeping what the library does:
//
//   - lists are marshalled by marshalSlice below;
//   - objects are written by objectWriter below;
//   - objects start with an empty deferred group instead of graphql.NewDeferredGroup,
//     which builds the field's path, a field set and a map for every object of every
//     answer (a tenth of the API's allocation under load). None of our fields is resolved
//     concurrently below the root, so nothing is ever added to the group: a query using
//     @defer is answered whole, as it was before the edit (TestDeferIsAnsweredWhole), and
//     TestGeneratedCodeKeepsTheEdits fails if a field ever comes to be.

import (
	"context"
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// marshalSlice marshals a list's elements one after the other. gqlgen's generated code
// calls graphql.MarshalSliceConcurrently, which starts a goroutine per element so that
// slow field resolvers run in parallel; none of ours block (a cart is read once, before
// its fields are marshalled), so the goroutines only cost: under load they took a
// quarter of the API's CPU. `go generate` points the generated code here (see deps.go);
// errors and panics are handled as the library handles them.
func marshalSlice(ctx context.Context, length int, _ int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		fc := &graphql.FieldContext{Index: &i}
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
