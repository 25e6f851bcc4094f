// Package chunk hands out values and slices of one type from a few large chunks instead
// of one heap object each. The garbage collector marks every heap object in every cycle:
// a price rules snapshot built value by value was 230,000 objects for 10,000 rules; put
// into chunks it is a few hundred, marked once each. It suits values built once and kept
// together, as long as the whole they belong to: a chunk stays alive while anything points
// into it, however little.
//
// The standard library has nothing for it: its experimental arena package was withdrawn,
// and sync.Pool recycles whole values, each still a heap object of its own.
package chunk

import "unsafe"

// Chunks grow, doubling, from firstChunk to maxChunk bytes (and always hold at least one
// value): building something small, such as compiling one rule to validate it, stays
// cheap, and something large is a few hundred chunks. A request for more than a quarter
// of the largest chunk gets a slice of its own, so starting a new chunk for it never
// leaves more than a quarter of the current one unused.
const (
	firstChunk = 1 << 10
	maxChunk   = 64 << 10
)

// Allocator hands out values of type T. Its zero value is ready to use; it is not safe
// for concurrent use.
type Allocator[T any] struct {
	free []T // the rest of the current chunk
	size int // the current chunk's length
}

// New returns a pointer to a zero T.
func (a *Allocator[T]) New() *T {
	return &a.Make(1)[0]
}

// Make returns n zero Ts. Its capacity is its length, so appending to it reallocates it
// rather than writing over the values handed out after it.
func (a *Allocator[T]) Make(n int) []T {
	if n <= 0 {
		return []T{}
	}
	if n > max(perChunk[T](maxChunk)/4, 1) {
		return make([]T, n)
	}
	if len(a.free) < n {
		// The next chunk: twice the current one, up to maxChunk, or n if that is more.
		a.size = max(min(2*a.size, perChunk[T](maxChunk)), perChunk[T](firstChunk), n)
		a.free = make([]T, a.size)
	}
	out := a.free[:n:n]
	a.free = a.free[n:]
	return out
}

// Clone copies vs into the allocator, with Make's capacity. nil stays nil and an empty
// slice stays empty, so a copy tells them apart as the original did.
func (a *Allocator[T]) Clone(vs []T) []T {
	if vs == nil {
		return nil
	}
	out := a.Make(len(vs))
	copy(out, vs)
	return out
}

// perChunk is how many Ts fit in bytes, at least one.
func perChunk[T any](bytes int) int {
	var v T
	return max(bytes/max(int(unsafe.Sizeof(v)), 1), 1)
}
