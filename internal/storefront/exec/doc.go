// Package exec is gqlgen's executor for the storefront schema: generated.go, written by
// `go generate ./internal/storefront` (gqlgen, then the rewriter in ../rewrite, which
// points a few calls at the helpers in edits.go; never edited by hand), and those helpers.
// The resolvers in package storefront implement its ResolverRoot; the types it marshals
// are in ../model.
package exec
