package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
)

// An edit replaces one form of gqlgen's output by ours, once in each unit of the generated
// code it applies to (each object marshaller, say): that is the count it expects.
type edit struct {
	name string
	// units are the functions of the generated code the edit applies to, found by their
	// shape (not by what the edit looks for), each holding exactly one site.
	units func(*executor) ([]*ast.FuncDecl, error)
	// original reports whether n, in fn, is a site in gqlgen's form, rewritten whether it is
	// one in ours.
	original, rewritten func(fn *ast.FuncDecl, n ast.Node) bool
	// replace rewrites the site at c, in the unit fn.
	replace func(c *astutil.Cursor, fn *ast.FuncDecl)
	// check, when set, is what must hold of a unit for the edit to keep what the library
	// does.
	check func(fn *ast.FuncDecl) error
}

// edits are those `go generate` makes; exec/edits.go says what each is for.
var edits = []edit{
	{
		name:      "lists are marshalled one element after the other (marshalSlice)",
		units:     (*executor).objectLists,
		original:  anywhere(isCall("graphql", "MarshalSliceConcurrently")),
		rewritten: anywhere(isCall("", "marshalSlice")),
		replace: func(c *astutil.Cursor, _ *ast.FuncDecl) {
			c.Node().(*ast.CallExpr).Fun = ast.NewIdent("marshalSlice")
		},
	},
	{
		name:      "objects start with an empty deferred group",
		units:     (*executor).objects,
		original:  anywhere(isDefine(isCall("graphql", "NewDeferredGroup"))),
		rewritten: anywhere(isVarOf("graphql", "DeferredGroup")),
		replace: func(c *astutil.Cursor, _ *ast.FuncDecl) {
			as := c.Node().(*ast.AssignStmt)
			name := as.Lhs[0].(*ast.Ident)
			// At the statement's place, so that it is printed where it was.
			typ := selector("graphql", "DeferredGroup")
			typ.X.(*ast.Ident).NamePos = as.Rhs[0].Pos()
			c.Replace(&ast.DeclStmt{Decl: &ast.GenDecl{TokPos: as.Pos(), Tok: token.VAR, Specs: []ast.Spec{
				&ast.ValueSpec{Names: []*ast.Ident{{Name: name.Name, NamePos: name.Pos()}}, Type: typ},
			}}})
		},
		check: deferredGroupStaysEmpty,
	},
	{
		name:      "objects are written by objectWriter",
		units:     (*executor).objects,
		original:  isReturnOfFieldSet,
		rewritten: anywhere(isReturnOfObjectWriter),
		replace: func(c *astutil.Cursor, fn *ast.FuncDecl) {
			ret := c.Node().(*ast.ReturnStmt)
			set := ret.Results[0].(*ast.Ident)
			fields := fieldSetFields(fn, set.Name)
			at := set.Pos() // where it was, so that comments stay where they were
			ret.Results[0] = &ast.UnaryExpr{OpPos: at, Op: token.AND, X: &ast.CompositeLit{
				Type: &ast.Ident{NamePos: at, Name: "objectWriter"}, Lbrace: at, Rbrace: at,
				Elts: []ast.Expr{&ast.Ident{NamePos: at, Name: fields}, &ast.Ident{NamePos: at, Name: set.Name}},
			}}
		},
	},
	{
		name:      "leaves take a short way (resolveField)",
		units:     (*executor).fieldResolvers,
		original:  anywhere(isCall("graphql", "ResolveField")),
		rewritten: anywhere(isCall("", "resolveField")),
		replace: func(c *astutil.Cursor, _ *ast.FuncDecl) {
			call := c.Node().(*ast.CallExpr)
			call.Fun = &ast.Ident{NamePos: call.Fun.Pos(), Name: "resolveField"}
		},
	},
}

// executor is a parsed generated executor.
type executor struct {
	fset  *token.FileSet
	file  *ast.File
	funcs []*ast.FuncDecl // the methods of its executionContext
}

// parse reads src as gqlgen's executor: a file with methods of executionContext.
func parse(path string, src []byte) (*executor, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	e := &executor{fset: fset, file: f}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil && fn.Body != nil && receiverType(fn) == "executionContext" {
			e.funcs = append(e.funcs, fn)
		}
	}
	if len(e.funcs) == 0 {
		return nil, errors.New("no method of executionContext: not gqlgen's executor")
	}
	return e, nil
}

// Rewrite makes every edit in src, gqlgen's executor as it wrote it, and returns the
// result, formatted; or an error naming each edit that did not find what it expects.
func Rewrite(path string, src []byte) ([]byte, error) {
	e, err := parse(path, src)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, ed := range edits {
		if err := e.apply(ed); err != nil {
			errs = append(errs, fmt.Errorf("edit %q: %w", ed.name, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var b bytes.Buffer
	if err := format.Node(&b, e.fset, e.file); err != nil {
		return nil, err
	}
	return format.Source(b.Bytes())
}

// apply makes ed in each of its units, one site in each, and then expects no site in
// gqlgen's form anywhere in the file.
func (e *executor) apply(ed edit) error {
	units, err := ed.units(e)
	if err != nil {
		return err
	}
	var errs []error
	for _, fn := range units {
		if ed.check != nil {
			if err := ed.check(fn); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", fn.Name.Name, err))
				continue
			}
		}
		n := 0
		astutil.Apply(fn.Body, func(c *astutil.Cursor) bool {
			if c.Node() == nil || !ed.original(fn, c.Node()) {
				return true
			}
			n++
			ed.replace(c, fn)
			return false
		}, nil)
		if n != 1 {
			errs = append(errs, fmt.Errorf("%s: %d sites, expected 1", fn.Name.Name, n))
		}
	}
	if left := e.count(ed.original); left > 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%d sites outside the %d functions expected to hold one", left, len(units)))
	}
	return joinBrief(errs)
}

// Verify checks that src, the committed executor, has every edit made: one site in our
// form in each unit of each edit, and none in gqlgen's form anywhere.
func Verify(path string, src []byte) error {
	e, err := parse(path, src)
	if err != nil {
		return err
	}
	var errs []error
	for _, ed := range edits {
		units, err := ed.units(e)
		if err != nil {
			errs = append(errs, fmt.Errorf("edit %q: %w", ed.name, err))
			continue
		}
		for _, fn := range units {
			if n := count(fn, ed.rewritten); n != 1 {
				errs = append(errs, fmt.Errorf("edit %q: %s holds %d edited sites, expected 1", ed.name, fn.Name.Name, n))
			}
		}
		if n := e.count(ed.original); n > 0 {
			errs = append(errs, fmt.Errorf("edit %q: %d sites left as gqlgen wrote them", ed.name, n))
		}
	}
	return joinBrief(errs)
}

// joinBrief joins errs, the first ten of them: one change in gqlgen's output can break an
// edit in hundreds of places.
func joinBrief(errs []error) error {
	if len(errs) > 10 {
		errs = append(errs[:10], fmt.Errorf("and %d more", len(errs)-10))
	}
	return errors.Join(errs...)
}

// count is the number of nodes in fn's body that match.
func count(fn *ast.FuncDecl, match func(*ast.FuncDecl, ast.Node) bool) int {
	n := 0
	ast.Inspect(fn.Body, func(x ast.Node) bool {
		if x != nil && match(fn, x) {
			n++
		}
		return true
	})
	return n
}

// count is the number of nodes in the file's functions that match.
func (e *executor) count(match func(*ast.FuncDecl, ast.Node) bool) int {
	n := 0
	for _, d := range e.file.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Body != nil {
			n += count(fn, match)
		}
	}
	return n
}

// anywhere is match wherever the node is.
func anywhere(match func(ast.Node) bool) func(*ast.FuncDecl, ast.Node) bool {
	return func(_ *ast.FuncDecl, n ast.Node) bool { return match(n) }
}

// objects are the object marshallers: one per object type, each the one method that
// collects its fields with the type's list of implemented names (var fooImplementors =
// []string{"Foo"}), which gqlgen declares for every object type and nothing else.
func (e *executor) objects() ([]*ast.FuncDecl, error) {
	implementors := map[string]bool{}
	for _, d := range e.file.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			for _, name := range s.(*ast.ValueSpec).Names {
				if strings.HasSuffix(name.Name, "Implementors") {
					implementors[name.Name] = true
				}
			}
		}
	}
	if len(implementors) == 0 {
		return nil, errors.New("no fooImplementors list: gqlgen names object types' lists otherwise now")
	}
	users := map[string][]*ast.FuncDecl{}
	for _, fn := range e.funcs {
		seen := map[string]bool{}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && implementors[id.Name] && !seen[id.Name] {
				seen[id.Name] = true
				users[id.Name] = append(users[id.Name], fn)
			}
			return true
		})
	}
	var out []*ast.FuncDecl
	for _, d := range e.file.Decls { // in the file's order
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			for _, name := range s.(*ast.ValueSpec).Names {
				if !implementors[name.Name] {
					continue
				}
				if fns := users[name.Name]; len(fns) != 1 {
					return nil, fmt.Errorf("%s is read by %d methods, expected 1 (the object's marshaller)", name.Name, len(fns))
				} else {
					out = append(out, fns[0])
				}
			}
		}
	}
	return out, nil
}

// fieldResolvers are the methods that resolve one field of an object: those taking the
// field (field graphql.CollectedField) and returning its graphql.Marshaler, one per field
// of every object type.
func (e *executor) fieldResolvers() ([]*ast.FuncDecl, error) {
	var out []*ast.FuncDecl
	for _, fn := range e.funcs {
		res := fn.Type.Results
		if res == nil || len(res.List) != 1 || !isSelector(res.List[0].Type, "graphql", "Marshaler") {
			continue
		}
		for _, p := range fn.Type.Params.List {
			if isSelector(p.Type, "graphql", "CollectedField") && len(p.Names) == 1 && p.Names[0].Name == "field" {
				out = append(out, fn)
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no field resolver (field graphql.CollectedField) graphql.Marshaler: gqlgen shapes them otherwise now")
	}
	return out, nil
}

// objectLists are the marshallers of lists whose elements are objects (or interfaces or
// unions): methods marshal… of a slice that do not build their graphql.Array themselves,
// as gqlgen does for lists of scalars and enums.
func (e *executor) objectLists() ([]*ast.FuncDecl, error) {
	var out []*ast.FuncDecl
	for _, fn := range e.funcs {
		if !strings.HasPrefix(fn.Name.Name, "marshal") || !hasSliceParam(fn) {
			continue
		}
		if count(fn, anywhere(isMakeArray)) == 0 {
			out = append(out, fn)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no marshaller of a list of objects: gqlgen names or shapes them otherwise now")
	}
	return out, nil
}

func hasSliceParam(fn *ast.FuncDecl) bool {
	for _, p := range fn.Type.Params.List {
		if a, ok := p.Type.(*ast.ArrayType); ok && a.Len == nil {
			return true
		}
	}
	return false
}

// isMakeArray matches make(graphql.Array, …).
func isMakeArray(n ast.Node) bool {
	call, ok := n.(*ast.CallExpr)
	if !ok || len(call.Args) == 0 {
		return false
	}
	fun, ok := call.Fun.(*ast.Ident)
	return ok && fun.Name == "make" && isSelector(call.Args[0], "graphql", "Array")
}

// deferredGroupStaysEmpty holds when no field of the object is resolved concurrently:
// only such a field (out.ResolveConcurrently(…, &deferred, …)) adds to the group, so an
// empty group in its place would drop what a client asked to be deferred.
func deferredGroupStaysEmpty(fn *ast.FuncDecl) error {
	var group string
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok && isDefine(isCall("graphql", "NewDeferredGroup"))(as) {
			group = as.Lhs[0].(*ast.Ident).Name
		}
		return group == ""
	})
	if group == "" {
		return nil // the site count tells
	}
	taken := false
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if u, ok := n.(*ast.UnaryExpr); ok && u.Op == token.AND {
			if id, ok := u.X.(*ast.Ident); ok && id.Name == group {
				taken = true
			}
		}
		return !taken
	})
	if taken {
		return errors.New("a field is resolved concurrently and may add to the deferred group: the empty group would drop a client's @defer")
	}
	return nil
}

// isReturnOfFieldSet matches `return out` in fn where out := graphql.NewFieldSet(fields).
func isReturnOfFieldSet(fn *ast.FuncDecl, n ast.Node) bool {
	ret, ok := n.(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return false
	}
	id, ok := ret.Results[0].(*ast.Ident)
	return ok && fieldSetFields(fn, id.Name) != ""
}

// isReturnOfObjectWriter matches `return &objectWriter{…}`.
func isReturnOfObjectWriter(n ast.Node) bool {
	ret, ok := n.(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return false
	}
	u, ok := ret.Results[0].(*ast.UnaryExpr)
	if !ok || u.Op != token.AND {
		return false
	}
	lit, ok := u.X.(*ast.CompositeLit)
	if !ok {
		return false
	}
	id, ok := lit.Type.(*ast.Ident)
	return ok && id.Name == "objectWriter"
}

// fieldSetFields is the name of the collected fields the field set named set is made of
// (set := graphql.NewFieldSet(fields)) in fn: "" when it is not made so.
func fieldSetFields(fn *ast.FuncDecl, set string) string {
	fields := ""
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return true
		}
		if id, ok := as.Lhs[0].(*ast.Ident); !ok || id.Name != set {
			return true
		}
		if call, ok := as.Rhs[0].(*ast.CallExpr); ok && isSelector(call.Fun, "graphql", "NewFieldSet") && len(call.Args) == 1 {
			if arg, ok := call.Args[0].(*ast.Ident); ok {
				fields = arg.Name
			}
		}
		return false
	})
	return fields
}

// isCall matches a call of pkg.name, or of name when pkg is "".
func isCall(pkg, name string) func(ast.Node) bool {
	return func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return false
		}
		if pkg == "" {
			id, ok := call.Fun.(*ast.Ident)
			return ok && id.Name == name
		}
		return isSelector(call.Fun, pkg, name)
	}
}

// isDefine matches `x := <rhs>` with rhs matching.
func isDefine(rhs func(ast.Node) bool) func(ast.Node) bool {
	return func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return false
		}
		_, ok = as.Lhs[0].(*ast.Ident)
		return ok && rhs(as.Rhs[0])
	}
}

// isVarOf matches `var x pkg.typ`.
func isVarOf(pkg, typ string) func(ast.Node) bool {
	return func(n ast.Node) bool {
		d, ok := n.(*ast.DeclStmt)
		if !ok {
			return false
		}
		g := d.Decl.(*ast.GenDecl)
		if g.Tok != token.VAR || len(g.Specs) != 1 {
			return false
		}
		s := g.Specs[0].(*ast.ValueSpec)
		return len(s.Names) == 1 && len(s.Values) == 0 && isSelector(s.Type, pkg, typ)
	}
}

func isSelector(e ast.Expr, pkg, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != name {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == pkg
}

func selector(pkg, name string) *ast.SelectorExpr {
	return &ast.SelectorExpr{X: ast.NewIdent(pkg), Sel: ast.NewIdent(name)}
}

func receiverType(fn *ast.FuncDecl) string {
	t := fn.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
