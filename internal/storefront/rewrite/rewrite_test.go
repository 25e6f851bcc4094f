package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	gqlast "github.com/vektah/gqlparser/v2/ast"
)

func fixture(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("testdata/executor.go")
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// forms are each edit's site as gqlgen writes it and as the rewriter leaves it, in the
// fixture, with the number of sites there.
var forms = []struct{ gqlgen, ours string }{
	{"ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false,", "ret := marshalSlice(ctx, len(v), 0, false,"},
	{"deferred := graphql.NewDeferredGroup(ctx)", "var deferred graphql.DeferredGroup"},
	{"\treturn out\n}", "\treturn &objectWriter{fields, out}\n}"},
	{"return graphql.ResolveField(", "return resolveField("},
}

// Every edit is made in each of its units: the list of objects, the two objects; a list of
// scalars is left alone; Verify accepts the result and refuses gqlgen's output as it is.
func TestRewriteMakesEveryEdit(t *testing.T) {
	if len(forms) != len(edits) {
		t.Fatalf("%d edits, %d forms in this test: add the new edit's forms", len(edits), len(forms))
	}
	src := fixture(t)
	out, err := Rewrite("executor.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for i, f := range forms {
		want := strings.Count(src, f.gqlgen)
		if want == 0 {
			t.Fatalf("edit %q: the fixture has no site", edits[i].name)
		}
		if n := strings.Count(got, f.ours); n != want || strings.Contains(got, f.gqlgen) {
			t.Errorf("edit %q: %d sites made of %d, or some left:\n%s", edits[i].name, n, want, got)
		}
	}
	if !strings.Contains(got, "ret := make(graphql.Array, len(v))") {
		t.Error("the list of scalars was changed")
	}
	if err := Verify("executor.go", out); err != nil {
		t.Errorf("Verify refuses the rewritten executor: %v", err)
	}
	if err := Verify("executor.go", []byte(src)); err == nil {
		t.Error("Verify accepts gqlgen's executor as it wrote it")
	}
	if _, err := Rewrite("executor.go", out); err == nil {
		t.Error("rewriting twice found sites to edit")
	}
}

// Verify fails as soon as one site of any edit is left as gqlgen wrote it: the check the
// committed executor passes (TestCommittedExecutorHasEveryEdit) catches an edit that
// stopped applying anywhere.
func TestVerifyFailsWhenASiteIsLeft(t *testing.T) {
	out, err := Rewrite("executor.go", []byte(fixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range forms {
		undone := strings.Replace(string(out), f.ours, f.gqlgen, 1)
		err := Verify("executor.go", []byte(undone))
		if err == nil || !strings.Contains(err.Error(), edits[i].name) {
			t.Errorf("edit %q undone once: Verify says %v", edits[i].name, err)
		}
	}
}

// Names come from the tree, not from a pattern: gqlgen renaming a parameter or a variable
// changes nothing but the names in the result.
func TestRewriteFollowsRenamedParameters(t *testing.T) {
	src := fixture(t)
	for _, r := range [][2]string{{"fields", "collected"}, {"out", "set"}, {"deferred", "group"}, {"ctx", "c"}, {", v []", ", vs []"}, {"v[i]", "vs[i]"}, {"len(v)", "len(vs)"}, {"v == nil", "vs == nil"}} {
		src = strings.ReplaceAll(src, r[0], r[1])
	}
	out, err := Rewrite("executor.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"return &objectWriter{collected, set}", "var group graphql.DeferredGroup", "ret := marshalSlice(c, len(vs), 0, false,"} {
		if strings.Count(string(out), want) == 0 {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

// When gqlgen's output no longer has what an edit expects, the rewriter fails and says
// which edit and where, instead of leaving the edit out.
func TestRewriteFailsWhenGqlgenChanges(t *testing.T) {
	cases := []struct {
		name, old, new, want string
	}{
		{"the list marshaller calls another function", "graphql.MarshalSliceConcurrently(", "graphql.MarshalSlice(",
			`edit "lists are marshalled one element after the other (marshalSlice)": marshalOMoney2ᚕᚖmodelᚐMoney: 0 sites, expected 1`},
		{"the deferred group is made otherwise", "deferred := graphql.NewDeferredGroup(ctx)", "deferred := graphql.DeferredGroupOf(ctx)",
			`edit "objects start with an empty deferred group": _Money: 0 sites, expected 1`},
		{"a field is resolved concurrently", "out.Values[i] = ec._Money_value(ctx, field, obj)",
			"out.ResolveConcurrently(ec.OperationContext, &deferred, i, true, true, func(ctx context.Context) graphql.Marshaler { return ec._Money_value(ctx, field, obj) })",
			"_Money: a field is resolved concurrently"},
		{"an object returns its field set otherwise", "\treturn out\n}", "\treturn out.Marshaler()\n}",
			`edit "objects are written by objectWriter": _Money: 0 sites, expected 1`},
		{"the field set is made otherwise", "out := graphql.NewFieldSet(fields)", "out := graphql.NewFieldSetOf(fields)",
			`edit "objects are written by objectWriter": _Money: 0 sites, expected 1`},
		{"object types' lists are named otherwise", "Implementors", "Satisfies",
			"no fooImplementors list"},
		{"a type's list is read twice", "return ec.marshalOMoney2ᚖmodelᚐMoney(ctx, sel, v[i])", "_ = moneyImplementors\n\t\treturn ec.marshalOMoney2ᚖmodelᚐMoney(ctx, sel, v[i])",
			"moneyImplementors is read by 2 methods, expected 1"},
		{"a list of objects is marshalled elsewhere too", "func (ec *executionContext) marshalOString2ᚕstringᚄ", "func marshalAll() { graphql.MarshalSliceConcurrently(nil, 0, 0, false, nil) }\n\nfunc (ec *executionContext) marshalOString2ᚕstringᚄ",
			"1 sites outside the 1 functions expected to hold one"},
		{"not gqlgen's executor", "executionContext", "state", "no method of executionContext"},
	}
	for _, c := range cases {
		src := fixture(t)
		if !strings.Contains(src, c.old) {
			t.Fatalf("%s: the fixture has no %q", c.name, c.old)
		}
		_, err := Rewrite("executor.go", []byte(strings.ReplaceAll(src, c.old, c.new)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", c.name, err, c.want)
		}
	}
}

// The committed executor has every edit, in every unit, and no site left as gqlgen wrote
// it: an edit that stops applying (a new gqlgen, a changed edit) fails here even if `go
// generate` was not run.
func TestCommittedExecutorHasEveryEdit(t *testing.T) {
	const path = "../exec/generated.go"
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(path, src); err != nil {
		t.Fatalf("%v\n(run `make generate`, and read internal/storefront/exec/edits.go before changing an edit)", err)
	}
	e, err := parse(path, src)
	if err != nil {
		t.Fatal(err)
	}
	for _, ed := range edits {
		units, _ := ed.units(e)
		t.Logf("%s: %d sites", ed.name, len(units))
	}
	// The object marshallers found by their shape are one per object type of the schema
	// (introspection's included): counted apart, from the schema itself.
	schemaText, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	schema, gqlErr := gqlparser.LoadSchema(&gqlast.Source{Name: "schema.graphqls", Input: string(schemaText)})
	if gqlErr != nil {
		t.Fatal(gqlErr)
	}
	types := 0
	for _, d := range schema.Types {
		if d.Kind == gqlast.Object {
			types++
		}
	}
	if objects, err := e.objects(); err != nil || len(objects) != types {
		t.Errorf("%d object marshallers (%v), %d object types in the schema", len(objects), err, types)
	}
}

// The command `go generate` runs exits non-zero with a message naming the file and the
// edit, and leaves the file as gqlgen wrote it, so the stale output cannot pass for an
// edited one; on a good file it writes the edits.
func TestCommandFailsLoudly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "rewrite")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	broken := strings.Replace(fixture(t), "graphql.NewDeferredGroup(ctx)", "graphql.DeferredGroupOf(ctx)", 1)
	path := filepath.Join(dir, "generated.go")
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, path).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), path+`: edit "objects start with an empty deferred group": _Money: 0 sites, expected 1`) {
		t.Errorf("broken file: %v, %s", err, out)
	}
	if after, _ := os.ReadFile(path); string(after) != broken {
		t.Error("the broken file was written")
	}
	if err := os.WriteFile(path, []byte(fixture(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, path).CombinedOutput(); err != nil {
		t.Fatalf("good file: %v, %s", err, out)
	}
	if after, _ := os.ReadFile(path); Verify(path, after) != nil {
		t.Errorf("the good file was not edited: %v", Verify(path, after))
	}
}
