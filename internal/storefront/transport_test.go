package storefront

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// An answer is written byte for byte as gqlgen's transport writes it (json.Marshal of the
// response), whatever it holds: HTML and line separators in strings, no data, errors,
// extensions, a deferred part.
func TestAnswerIsWrittenAsJSONMarshalWritesIt(t *testing.T) {
	yes := true
	answers := map[string]*graphql.Response{
		"data":              {Data: []byte(`{"cart":{"id":"abc","total":{"value":12.5}}}`)},
		"html and U+2028":   {Data: []byte(`{"html":"<h2>Tom & Jerry</h2>\u2028\u2029","n":null}`)},
		"escaped already":   {Data: []byte(`{"s":"a \"quote\" \\ and \u003c"}`)},
		"no data":           {},
		"null":              {Data: []byte(`null`)},
		"errors":            {Data: []byte(`{"cart":null}`), Errors: gqlerror.List{{Message: "The cart isn't active.", Path: ast.Path{ast.PathName("cart")}, Extensions: map[string]any{"category": "graphql-no-such-entity"}}}},
		"errors, no data":   {Errors: gqlerror.List{{Message: "Syntax Error <here>"}}},
		"extensions":        {Data: []byte(`{"a":1}`), Extensions: map[string]any{"cost": 3}},
		"deferred":          {Data: []byte(`{"a":1}`), Label: "x", Path: ast.Path{ast.PathName("a")}, HasNext: &yes},
		"no answer at all":  nil,
		"empty data object": {Data: []byte(`{}`)},
		"empty extensions":  {Data: []byte(`{"a":1}`), Extensions: map[string]any{}, Path: ast.Path{}},
	}
	for name, resp := range answers {
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(name, err)
		}
		w := httptest.NewRecorder()
		writeAnswer(w, resp)
		if got := w.Body.String(); got != string(want) {
			t.Errorf("%s:\ngot  %s\nwant %s", name, got, want)
		}
	}
}
