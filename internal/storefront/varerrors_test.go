package storefront

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"

	"audienceactivation/internal/storefront/exec"
)

// Errors in a request's variables are worded as Magento words them, whatever gqlparser
// says, and other errors are left as they are.
func TestVariableMessages(t *testing.T) {
	schema := exec.NewExecutableSchema(exec.Config{Resolvers: &Resolver{}}).Schema()
	doc, errs := gqlparser.LoadQuery(schema, `mutation($id: String!, $n: Float!, $a: CartAddressInput!) {
		setShippingAddressesOnCart(input: {cart_id: $id, shipping_addresses: [{address: $a}]}) { cart { id } }
		placeOrder(input: {cart_id: $id}) { order { order_number } }
		addProductsToCart(cartId: $id, cartItems: [{sku: "TEE", quantity: $n}]) { cart { id } }
	}`)
	if errs != nil {
		t.Fatal(errs)
	}
	address := map[string]any{"firstname": "A", "lastname": "B", "street": []any{"s"}, "city": "c", "country_code": "US"}
	with := func(k string, v any) map[string]any {
		out := map[string]any{}
		for kk, vv := range address {
			out[kk] = vv
		}
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	for _, tc := range []struct {
		vars map[string]any
		want string
	}{
		{map[string]any{"n": 1, "a": address}, `Variable "$id" of required type "String!" was not provided.`},
		{map[string]any{"id": nil, "n": 1, "a": address}, `Variable "$id" of non-null type "String!" must not be null.`},
		{map[string]any{"id": "c", "n": "big", "a": address}, `Variable "$n" got invalid value; Expected type "Float!".`},
		{map[string]any{"id": "c", "n": 1, "a": with("lastname", nil)}, `Variable "$a" got invalid value; Field "lastname" of required type "String!" was not provided.`},
		{map[string]any{"id": "c", "n": 1, "a": with("zip", "1")}, `Variable "$a" got invalid value; Field "zip" is not defined by type "CartAddressInput".`},
	} {
		op := doc.Operations[0]
		_, err := validator.VariableValues(schema, op, tc.vars)
		ge, ok := err.(*gqlerror.Error)
		if !ok {
			t.Fatalf("%v: no error (%v)", tc.vars, err)
		}
		ctx := graphql.WithOperationContext(context.Background(), &graphql.OperationContext{Operation: op, Doc: doc})
		if got := variableMessage(ctx, schema, ge); got != tc.want {
			t.Errorf("%v: %q (gqlparser: %q), want %q", tc.vars, got, ge.Message, tc.want)
		}
	}
	if got := variableMessage(context.Background(), schema, &gqlerror.Error{Message: "x", Path: ast.Path{ast.PathName("variable"), ast.PathName("id")}}); got != "" {
		t.Errorf("without an operation: %q", got)
	}
}
