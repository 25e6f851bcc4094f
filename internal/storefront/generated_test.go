package storefront

import (
	"os"
	"strings"
	"testing"
)

// The edits `go generate` makes to gqlgen's output (see slice.go) hold only while no field
// below the root is resolved concurrently: such a field would put a client's @defer into
// the deferred group the edit leaves empty. A schema or model change that makes gqlgen
// resolve a field concurrently fails here, not in production.
func TestGeneratedCodeKeepsTheEdits(t *testing.T) {
	src, err := os.ReadFile("generated.go")
	if err != nil {
		t.Fatal(err)
	}
	code := string(src)
	for _, call := range []string{"graphql.MarshalSliceConcurrently(", "graphql.NewDeferredGroup(", ".ResolveConcurrently("} {
		if strings.Contains(code, call) {
			t.Errorf("generated.go calls %s: rerun `make generate`, and read slice.go before changing the edits", call)
		}
	}
	if !strings.Contains(code, "marshalSlice(") || !strings.Contains(code, "var deferred graphql.DeferredGroup") {
		t.Error("generated.go lacks the edits: rerun `make generate`")
	}
}
