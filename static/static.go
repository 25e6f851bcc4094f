// Package static embeds the admin's stylesheets and scripts (including the vendored,
// pinned htmx) into the binary.
package static

import (
	"embed"
	"net/http"
)

//go:embed css js
var files embed.FS

// Handler serves the embedded files with a cache lifetime of one hour.
func Handler() http.Handler {
	fs := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fs.ServeHTTP(w, r)
	})
}
