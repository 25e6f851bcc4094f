// Package model holds the Go types gqlgen generates from the storefront schema
// (models_gen.go, never edited by hand): what the resolvers return and the executor
// marshals.
package model
