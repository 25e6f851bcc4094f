// Package exec is gqlgen's executor for the storefront schema, generated into
// generated.go by `go generate ./internal/storefront` (never edited by hand), and the
// hand-written helpers the generated code is pointed to after generation, for speed (see
// edits.go): the resolvers in package storefront implement ResolverRoot, and the
// storefront's transports build answers through WithAnswer.
package exec
