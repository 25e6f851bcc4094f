package storefront

import (
	"context"
	"fmt"
	"math"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Bounds on a query's text, checked before gqlgen validates it. The API is public and
// unauthenticated, so a request must cost little whatever it holds, and what it costs
// must show in its size: every check here takes time linear in the query's text.
//
// gqlgen's validation is not linear by itself: its OverlappingFieldsCanBeMerged rule
// compares every two fields that answer under the same name at the same place, so 60,000
// repeated aliases (780 KB, under the body limit) cost minutes of CPU; and a field costs
// once per time its fragment is spread, so fragments spreading the next one twice, 25
// deep, ask for 2^25 fields in 1.3 KB. The checks bound both before validation: the
// tokens (the parser stops at the limit), how deep fragments spread and how often, the
// fields with fragments written out (counted once per fragment, not once per spread),
// and the pairs of fields under one name at one place (with fragments written out, which
// is at least what the rule compares).
//
// Introspection (__schema, __type) costs nothing in gqlgen's complexity, but its lists
// are the whole schema: with aliases, a 35 KB query asked for every type's name 3,000
// times, a 15 MB answer in 3 s. Without them, repeated fields merge; and with lists of the
// schema nested at most 3 deep (types, fields, args: the standard introspection query's
// deepest), an answer is at most a few times the schema's size. Introspection queries
// (GraphiQL's, Apollo's, PWA Studio's build) use no aliases and nest no deeper, so both
// are refused there.
const (
	// MaxTokens bounds the tokens of a query. PWA Studio's largest document is under
	// 7 KB: a few thousand tokens at most.
	MaxTokens = 10000
	// MaxDepth bounds how deeply fields nest, fragments written out (Magento's default
	// query depth limit).
	MaxDepth = 20
	// MaxSpreads bounds the fragment spreads in a query's text.
	MaxSpreads = 500
	// MaxSpreadDepth bounds how deeply fragments spread fragments.
	MaxSpreadDepth = 12
	// MaxWrittenOutFields bounds the fields of a query's operations and fragments with
	// each fragment spread written out where it is spread.
	MaxWrittenOutFields = 10000
	// maxSamePlacePairs bounds the pairs of fields answering under one name at one place
	// (fragments written out): what the validator compares, at about 150 ns a pair. 141
	// fields under one name at one place are allowed; PWA Studio's documents have at most
	// 108 pairs in all.
	maxSamePlacePairs = 10000
)

// bounds is the gqlgen extension that checks a query against the bounds before it is
// parsed by gqlgen and validated. A query the query cache holds has passed them: it is
// not checked again, so a storefront's repeated queries cost one cache look-up more.
type bounds struct {
	cache graphql.Cache[*ast.QueryDocument]
}

func (bounds) ExtensionName() string                          { return "QueryBounds" }
func (bounds) Validate(schema graphql.ExecutableSchema) error { return nil }

func (b bounds) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if _, ok := b.cache.Get(ctx, params.Query); ok {
		return nil
	}
	return checkBounds(ctx, params.Query)
}

// checkBounds parses query (at most MaxTokens tokens) and measures it. A query that does
// not parse gets the parser's error, as gqlgen would answer it.
func checkBounds(ctx context.Context, query string) *gqlerror.Error {
	if ctx.Err() != nil {
		return errGone()
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, MaxTokens)
	if err != nil {
		if ge, ok := err.(*gqlerror.Error); ok {
			errcode.Set(ge, errcode.ParseFailed)
			return ge
		}
		return nil
	}
	m := measure{fragments: map[string]*measured{}}
	for _, f := range doc.Fragments {
		if _, dup := m.fragments[f.Name]; !dup { // a duplicate is refused by validation
			m.fragments[f.Name] = &measured{def: f}
		}
	}
	total, depth, chain := 0, 0, 0
	for _, op := range doc.Operations {
		got := m.selections(op.SelectionSet)
		total, depth, chain = add(total, got.fields), max(depth, got.depth), max(chain, got.chain)
	}
	for _, f := range doc.Fragments {
		// Fragments are validated on their own too, spread or not.
		got := m.selections(f.SelectionSet)
		total, chain = add(total, got.fields), max(chain, got.chain)
	}
	switch {
	case m.cycle != "":
		// Validation refuses it too; the walk below could not write it out.
		return boundsError(fmt.Sprintf("Cannot spread fragment %q within itself.", m.cycle))
	case depth > MaxDepth:
		return boundsError(fmt.Sprintf("Max query depth should be %d but got %d.", MaxDepth, depth))
	case m.spreads > MaxSpreads:
		return boundsError(fmt.Sprintf("A query may spread fragments at most %d times; this one spreads them %d times.", MaxSpreads, m.spreads))
	case chain > MaxSpreadDepth:
		return boundsError(fmt.Sprintf("Fragments may spread fragments at most %d deep; this query spreads them %d deep.", MaxSpreadDepth, chain))
	case m.aliasedIntrospection:
		return boundsError("Introspection may not use aliases: ask for each field of __schema and __type under its own name.")
	case m.deepIntrospection:
		return boundsError(fmt.Sprintf("Introspection may nest lists (types, fields, args, ...) at most %d deep.", maxIntrospectionLists))
	case total > MaxWrittenOutFields:
		return boundsError(fmt.Sprintf("A query may ask for at most %d fields, its fragments written out where they are spread.", MaxWrittenOutFields))
	}
	if ctx.Err() != nil {
		return errGone()
	}
	// The query is now small enough to write out: count the fields under each name at
	// each place. Each operation and each fragment is a place of its own.
	p := places{ids: map[place]int32{}, fragments: m.fragments}
	for _, op := range doc.Operations {
		p.walk(p.root(), op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		p.walk(p.root(), f.SelectionSet)
	}
	pairs := 0
	for _, n := range p.counts {
		pairs = add(pairs, n*(n-1)/2)
	}
	if pairs > maxSamePlacePairs {
		return boundsError("The query repeats fields under the same name too often: ask for each field once.")
	}
	return nil
}

// maxRememberedQuery is the longest query text (in bytes) whose parsed document or
// worked-out cost the API's caches keep: a storefront's queries are a few KB, and a query
// can hold a megabyte in a single string token.
const maxRememberedQuery = 16 << 10

// smallOnly is a cache of query documents or texts that keeps only those of small queries
// (maxRememberedQuery bytes, as the API's other memories): a query can hold a megabyte in
// a single string token, and a cache of a thousand of them would hold gigabytes. A large
// query is checked, parsed and validated each time it comes, in time linear in its size.
type smallOnly[T any] struct {
	graphql.Cache[T]
	query func(key string, value T) string // the query text an entry is for
}

func (c smallOnly[T]) Add(ctx context.Context, key string, value T) {
	if len(c.query(key, value)) <= maxRememberedQuery {
		c.Cache.Add(ctx, key, value)
	}
}

// errGone answers a request whose client has gone or whose time is up.
func errGone() *gqlerror.Error {
	return &gqlerror.Error{Message: "The request was cancelled or took too long.", Extensions: map[string]any{"category": "internal"}}
}

func boundsError(msg string) *gqlerror.Error {
	err := &gqlerror.Error{Message: msg, Extensions: map[string]any{"category": "graphql"}}
	errcode.Set(err, errcode.ValidationFailed)
	return err
}

// add is a+b, saturating: written-out counts grow exponentially with spread depth.
func add(a, b int) int {
	if a > math.MaxInt32-b {
		return math.MaxInt32
	}
	return a + b
}

// measure measures selection sets, each fragment once.
type measure struct {
	fragments map[string]*measured
	spreads   int
	cycle     string // a fragment that spreads itself, through others or not
	// aliasedIntrospection is set when __schema or __type is aliased or has an aliased
	// field below it; deepIntrospection when lists nest deeper than maxIntrospectionLists
	// below it.
	aliasedIntrospection, deepIntrospection bool
}

// introspectionLists are the fields of the introspection types whose values are lists of
// objects, and maxIntrospectionLists how deeply they may nest in a query.
var introspectionLists = map[string]bool{"types": true, "fields": true, "args": true, "inputFields": true,
	"interfaces": true, "possibleTypes": true, "enumValues": true, "directives": true}

const maxIntrospectionLists = 3

// measured is what a selection set asks for: its fields with fragments written out, how
// deeply they nest, how deeply its fragments spread fragments, and whether any field in it
// is aliased (under another name than its own).
type measured struct {
	def                  *ast.FragmentDefinition
	fields, depth, chain int
	lists                int // introspection lists nested, at the deepest
	aliased              bool
	done, visiting       bool
}

func (m *measure) selections(set ast.SelectionSet) measured {
	var out measured
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			in := m.selections(s.SelectionSet)
			out.fields = add(out.fields, add(1, in.fields))
			out.depth, out.chain = max(out.depth, 1+in.depth), max(out.chain, in.chain)
			aliased := s.Alias != "" && s.Alias != s.Name
			out.aliased = out.aliased || aliased || in.aliased
			lists := in.lists
			if introspectionLists[s.Name] && len(s.SelectionSet) > 0 {
				lists++
			}
			out.lists = max(out.lists, lists)
			if s.Name == "__schema" || s.Name == "__type" {
				m.aliasedIntrospection = m.aliasedIntrospection || aliased || in.aliased
				m.deepIntrospection = m.deepIntrospection || in.lists > maxIntrospectionLists
			}
		case *ast.InlineFragment:
			in := m.selections(s.SelectionSet)
			out.fields = add(out.fields, in.fields)
			out.depth, out.chain = max(out.depth, in.depth), max(out.chain, in.chain)
			out.aliased = out.aliased || in.aliased
			out.lists = max(out.lists, in.lists)
		case *ast.FragmentSpread:
			m.spreads++
			f := m.fragment(s.Name)
			out.fields = add(out.fields, f.fields)
			out.depth, out.chain = max(out.depth, f.depth), max(out.chain, 1+f.chain)
			out.aliased = out.aliased || f.aliased
			out.lists = max(out.lists, f.lists)
		}
	}
	return out
}

// fragment measures the fragment named name once. An unknown fragment counts as empty
// (validation refuses it), and so does one met again while it is measured: a cycle,
// noted.
func (m *measure) fragment(name string) measured {
	f := m.fragments[name]
	if f == nil {
		return measured{}
	}
	if f.visiting {
		m.cycle = name
		return measured{}
	}
	if !f.done {
		f.visiting = true
		got := m.selections(f.def.SelectionSet)
		f.fields, f.depth, f.chain, f.aliased, f.lists = got.fields, got.depth, got.chain, got.aliased, got.lists
		f.visiting, f.done = false, true
	}
	return *f
}

// places counts the fields answering under each name at each place of a query with its
// fragments written out. A place is a path of response names from an operation or a
// fragment; type conditions do not separate places, as the validator compares fields of
// different types too.
type places struct {
	ids       map[place]int32
	counts    []int
	roots     int32
	fragments map[string]*measured
}

type place struct {
	parent int32
	name   string
}

// root is a new place for an operation or a fragment: below every other id.
func (p *places) root() int32 {
	p.roots--
	return p.roots
}

func (p *places) walk(at int32, set ast.SelectionSet) {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			name := s.Alias
			if name == "" {
				name = s.Name
			}
			k := place{at, name}
			id, ok := p.ids[k]
			if !ok {
				id = int32(len(p.counts))
				p.ids[k] = id
				p.counts = append(p.counts, 0)
			}
			p.counts[id]++
			p.walk(id, s.SelectionSet)
		case *ast.InlineFragment:
			p.walk(at, s.SelectionSet)
		case *ast.FragmentSpread:
			if f := p.fragments[s.Name]; f != nil { // no cycles: checkBounds refused them
				p.walk(at, f.def.SelectionSet)
			}
		}
	}
}
