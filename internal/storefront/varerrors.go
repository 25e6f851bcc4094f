package storefront

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// variableMessage words an error in a request's variables as Magento (graphql-php) does,
// naming the variable and its type, where gqlparser says only "must be defined" or "cannot
// use string as Int" and leaves the variable to the error's path: a missing or null
// variable in graphql-php's words, an invalid value inside one in their form (the value
// itself is not repeated: gqlgen keeps no copy of the variables sent). It answers "" for
// any other error.
func variableMessage(ctx context.Context, schema *ast.Schema, ge *gqlerror.Error) string {
	if len(ge.Path) < 2 || ge.Path[0] != ast.PathName("variable") || !graphql.HasOperationContext(ctx) {
		return ""
	}
	name, ok := ge.Path[1].(ast.PathName)
	oc := graphql.GetOperationContext(ctx)
	if !ok || oc == nil || oc.Operation == nil {
		return ""
	}
	def := oc.Operation.VariableDefinitions.ForName(string(name))
	if def == nil {
		return ""
	}
	// The type and value at the error's path inside the variable (an input object's field,
	// a list's element).
	typ, fieldName, steps := def.Type, "", ge.Path[2:]
	unknown := ""
	if ge.Message == "unknown field" && len(steps) > 0 {
		// The last step names the field the input type lacks.
		last, ok := steps[len(steps)-1].(ast.PathName)
		if !ok {
			return ""
		}
		unknown, steps = string(last), steps[:len(steps)-1]
	}
	for _, step := range steps {
		switch s := step.(type) {
		case ast.PathName:
			fieldName = string(s)
			obj := schema.Types[typ.Name()]
			if obj == nil || obj.Fields.ForName(fieldName) == nil {
				return ""
			}
			typ = obj.Fields.ForName(fieldName).Type
		case ast.PathIndex:
			if typ.Elem == nil {
				return ""
			}
			typ = typ.Elem
		}
	}
	got := fmt.Sprintf("Variable \"$%s\" got invalid value; ", name)
	switch {
	case ge.Message == "must be defined" && fieldName == "":
		return fmt.Sprintf("Variable \"$%s\" of required type \"%s\" was not provided.", name, typ)
	case ge.Message == "cannot be null" && fieldName == "":
		return fmt.Sprintf("Variable \"$%s\" of non-null type \"%s\" must not be null.", name, typ)
	case ge.Message == "must be defined" || ge.Message == "cannot be null":
		return got + fmt.Sprintf("Field \"%s\" of required type \"%s\" was not provided.", fieldName, typ)
	case ge.Message == "unknown field" && unknown != "":
		return got + fmt.Sprintf("Field \"%s\" is not defined by type \"%s\".", unknown, typ.Name())
	case strings.HasPrefix(ge.Message, "cannot use "):
		return got + fmt.Sprintf("Expected type \"%s\".", typ)
	}
	return ""
}
