// Command rewrite makes the edits `go generate ./internal/storefront` applies to gqlgen's
// executor (exec/generated.go) right after gqlgen writes it: a few calls into gqlgen's
// runtime are pointed at faster helpers of our own in package exec (see exec/edits.go for
// what each does and why it is safe). It works on the syntax tree, not on the text, and it
// fails, leaving the file alone, when an edit does not find the sites it expects: the
// count of each is worked out from the generated code's structure (one per object type,
// one per field, one per list of objects), so a new gqlgen release that renames or
// reshapes what an edit looks for stops `go generate` instead of silently dropping the
// edit.
//
// Usage: go run ./rewrite exec/generated.go
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: rewrite path/to/generated.go")
		os.Exit(2)
	}
	path := os.Args[1]
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rewrite:", err)
		os.Exit(1)
	}
	out, err := Rewrite(path, src)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rewrite: %s: %v\n(gqlgen's output no longer has the shape an edit expects: read internal/storefront/exec/edits.go, then change the edit in internal/storefront/rewrite or drop it)\n", path, err)
		os.Exit(1)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "rewrite:", err)
		os.Exit(1)
	}
}
