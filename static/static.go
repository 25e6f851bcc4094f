// Package static embeds the admin's stylesheets and scripts (including the vendored,
// pinned htmx) and the storefront GraphQL explorer (vendored, pinned GraphiQL) into the
// binary.
package static

import (
	"embed"
	"io/fs"
)

//go:embed css js img graphiql
var files embed.FS

// FS holds the files, by path such as "css/admin.css".
var FS fs.FS = files

// Exists reports whether name is a file (not a directory) in FS.
func Exists(name string) bool {
	fi, err := fs.Stat(files, name)
	return err == nil && !fi.IsDir()
}
