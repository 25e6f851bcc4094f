// Package internal_test holds the checks of the house rules that DESIGN.md §3 states for the
// whole tree: dependencies point one way, and every domain owns its tables.
package internal_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// owners names, for every table the migrations create, the one package whose code may read
// or write it with SQL. A domain that needs another's data calls its API.
var owners = map[string][]string{
	"internal/stores":        {"websites", "store_views", "customer_groups"},
	"internal/config":        {"config_values"},
	"internal/audit":         {"action_log"},
	"internal/auth":          {"admin_users", "login_failures", "admin_recovery_codes", "admin_preferences"},
	"internal/throttle":      {"attempt_failures"},
	"internal/audiences":     {"audiences", "audience_websites", "audience_usage", "sync_runs", "sync_lock", "audience_sync_staging", "audience_sync_staging_websites"},
	"internal/pricerules":    {"price_rules", "price_rule_websites", "price_rule_customer_groups", "price_rule_labels", "coupons", "coupon_usage", "price_rule_customer_usage"},
	"internal/dynamicblocks": {"dynamic_blocks", "dynamic_block_audiences", "dynamic_block_contents", "dynamic_block_rules", "block_placements", "block_placement_blocks", "block_placement_store_views"},
	"internal/catalog":       {"products", "categories", "product_attributes", "product_categories", "product_websites"},
	"internal/customers":     {"customers", "customer_tokens", "customer_addresses"},
	"internal/checkout":      {"carts", "cart_items", "orders", "order_items", "order_rules", "order_audiences"},
}

// debt lists the cross-domain table uses not yet replaced by an API call, each with the
// reason it is still there. The test fails when a listed use is gone, so the list only
// shrinks: delete the line with the code.
var debt = map[string]string{}

var (
	createTable = regexp.MustCompile(`(?i)CREATE TABLE (?:IF NOT EXISTS )?([a-z_][a-z0-9_]*)`)
	// SQL in this code base writes its keywords in capitals; prose does not, so a message
	// such as "import products from a file" is not taken for a query.
	sqlTable = regexp.MustCompile(`\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+([a-z_][a-z0-9_]*)`)
)

// root is the module root (this file lives in internal/).
func root(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

// TestEveryTableHasOneOwner: a table a migration creates must be given an owner here, so a
// new table cannot slip past the ownership check.
func TestEveryTableHasOneOwner(t *testing.T) {
	owner := tableOwners(t)
	files, err := filepath.Glob(filepath.Join(root(t), "internal/db/migrations/*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found (%v)", err)
	}
	created := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range createTable.FindAllStringSubmatch(string(b), -1) {
			created++
			if _, ok := owner[m[1]]; !ok {
				t.Errorf("%s creates table %s, which has no owner in architecture_test.go", filepath.Base(f), m[1])
			}
		}
	}
	if created < len(owner) {
		t.Errorf("the migrations create %d tables, fewer than the %d with an owner: is a name misspelled?", created, len(owner))
	}
}

func tableOwners(t *testing.T) map[string]string {
	t.Helper()
	owner := map[string]string{}
	for pkg, tables := range owners {
		for _, tb := range tables {
			if prev, ok := owner[tb]; ok {
				t.Fatalf("table %s has two owners: %s and %s", tb, prev, pkg)
			}
			owner[tb] = pkg
		}
	}
	return owner
}

// use is one place a package names a table.
type use struct {
	pkg, table, at string
}

// tableUses finds every table named by the non-test Go code under base's internal/, web/
// and cmd/: after FROM, JOIN, INTO, UPDATE or TABLE in a string literal (SQL split across
// concatenated literals is read piece by piece; a table listed after a comma in FROM is not
// seen, and the code base joins with JOIN), in GORM's Table("…") and in TableName methods.
func tableUses(t *testing.T, base string, owner map[string]string) []use {
	t.Helper()
	var out []use
	fset := token.NewFileSet()
	for _, top := range []string{"internal", "web", "cmd"} {
		if _, err := os.Stat(filepath.Join(base, top)); os.IsNotExist(err) {
			continue
		}
		err := filepath.WalkDir(filepath.Join(base, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(base, filepath.Dir(path))
			pkg := filepath.ToSlash(rel)
			add := func(n ast.Node, table string) {
				if _, ok := owner[table]; ok {
					p := fset.Position(n.Pos())
					at, _ := filepath.Rel(base, p.Filename)
					out = append(out, use{pkg: pkg, table: table, at: at + ":" + strconv.Itoa(p.Line)})
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.BasicLit:
					if n.Kind != token.STRING {
						return true
					}
					s, err := strconv.Unquote(n.Value)
					if err != nil {
						return true
					}
					for _, m := range sqlTable.FindAllStringSubmatch(s, -1) {
						add(n, m[1])
					}
				case *ast.CallExpr:
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Table" && len(n.Args) > 0 {
						if lit, ok := n.Args[0].(*ast.BasicLit); ok {
							s, _ := strconv.Unquote(lit.Value)
							add(lit, strings.Fields(s + " x")[0])
						}
					}
				case *ast.FuncDecl:
					if n.Name.Name == "TableName" && n.Body != nil {
						ast.Inspect(n.Body, func(m ast.Node) bool {
							if lit, ok := m.(*ast.BasicLit); ok && lit.Kind == token.STRING {
								s, _ := strconv.Unquote(lit.Value)
								add(lit, s)
							}
							return true
						})
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestDomainsOwnTheirTables: no package names another domain's table in its SQL. The wiring,
// web and cmd own no table at all.
func TestDomainsOwnTheirTables(t *testing.T) {
	base := root(t)
	owner := tableOwners(t)
	uses := tableUses(t, base, owner)
	if len(uses) < len(owner) {
		t.Fatalf("found only %d table uses in the code: is the scan broken?", len(uses))
	}
	seen := map[string]bool{}
	for _, u := range uses {
		own := owner[u.table]
		if u.pkg == own || strings.HasPrefix(u.pkg, own+"/") {
			continue
		}
		key := u.pkg + " " + u.table
		if _, ok := debt[key]; ok {
			seen[key] = true
			continue
		}
		t.Errorf("%s: %s names table %s, which %s owns; call %s's API (or a small interface wired in the composition root) instead",
			u.at, u.pkg, u.table, own, filepath.Base(own))
	}
	for key := range debt {
		if !seen[key] {
			t.Errorf("debt %q is paid: delete its line from architecture_test.go", key)
		}
	}
}

// TestTheScanSeesCrossDomainSQL holds the scanner to what it must catch: a join on another
// domain's table in a raw query, GORM's Table, and a TableName method.
func TestTheScanSeesCrossDomainSQL(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "internal", "checkout")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := "package checkout\n\nconst q = `SELECT o.id FROM orders o\n\tLEFT JOIN customers cu ON cu.id = o.customer_id`\n\n" +
		"var msg = \"import products from a file\"\n\nfunc f(g interface{ Table(string) }) { g.Table(\"coupons\") }\n\n" +
		"type row struct{}\n\nfunc (row) TableName() string { return \"price_rules\" }\n"
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range tableUses(t, base, tableOwners(t)) {
		got = append(got, u.pkg+" "+u.table)
	}
	slices.Sort(got)
	want := []string{"internal/checkout coupons", "internal/checkout customers", "internal/checkout orders", "internal/checkout price_rules"}
	if !slices.Equal(got, want) {
		t.Fatalf("scan found %q, want %q", got, want)
	}
}

// TestImportDirection: nothing under internal/ imports web, echo, templ (or the templates,
// which are templ) or cmd, and web does not import the wiring (cmd/admin/wiring). Tests
// under internal/ do not import cmd or web either: a domain's tests wire its real
// collaborators themselves. web's tests may import the wiring: they drive the whole
// application.
func TestImportDirection(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}{{range .TestImports}} test:{{.}}{{end}}{{range .XTestImports}} test:{{.}}{{end}}`, "./...")
	cmd.Dir = root(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "audienceactivation/"
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := strings.TrimPrefix(fields[0], mod), fields[1:]
		for _, imp := range imports {
			imp, inTest := strings.CutPrefix(imp, "test:")
			switch {
			case strings.HasPrefix(pkg, "internal/") || pkg == "internal":
				checked++
				if imp == mod+"web" || strings.HasPrefix(imp, mod+"web/") || strings.HasPrefix(imp, mod+"templates") || strings.HasPrefix(imp, mod+"cmd/") ||
					strings.HasPrefix(imp, "github.com/labstack/echo") || strings.HasPrefix(imp, "github.com/a-h/templ") {
					t.Errorf("%s imports %s: internal packages know nothing of HTTP handlers, templates or the binary", pkg, imp)
				}
			case (pkg == "web" || strings.HasPrefix(pkg, "web/")) && !inTest:
				checked++
				if strings.HasPrefix(imp, mod+"cmd/") {
					t.Errorf("%s imports the wiring %s: web declares what it needs and cmd/admin wires it in", pkg, imp)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("go list named no internal or web imports: is the check broken?")
	}
}

// TestReadmeLayoutNamesEveryPackage: the README's Layout section is how a newcomer finds
// their way, so it must name every package under cmd/ and internal/ (a nested one by its
// own path, or as "name/" in its parent's line), and every path it starts a line with must
// exist.
func TestReadmeLayoutNamesEveryPackage(t *testing.T) {
	dir := root(t)
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "\n## Layout\n")
	if !ok {
		t.Fatal("README.md has no Layout section")
	}
	_, block, _ := strings.Cut(after, "```\n")
	block, _, _ = strings.Cut(block, "```")
	for _, line := range strings.Split(block, "\n") {
		if fields := strings.Fields(line); len(fields) > 0 && !strings.HasPrefix(line, " ") {
			if _, err := os.Stat(filepath.Join(dir, strings.TrimSuffix(fields[0], "/"))); err != nil {
				t.Errorf("the layout names %s, which is not in the tree", fields[0])
			}
		}
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if strings.Contains(rel, "node_modules") || strings.Contains(rel, "testdata") || strings.HasPrefix(rel, ".") && rel != "." {
			return fs.SkipDir
		}
		if !strings.HasPrefix(rel, "cmd/") && !strings.HasPrefix(rel, "internal/") {
			return nil
		}
		if gos, _ := filepath.Glob(filepath.Join(path, "*.go")); len(gos) == 0 {
			return nil
		}
		if !strings.Contains(block, "\n"+rel+"/") && !strings.HasPrefix(block, rel+"/") && !strings.Contains(block, " "+filepath.Base(rel)+"/") {
			t.Errorf("README's Layout does not name %s/", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
