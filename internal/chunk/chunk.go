// Package chunk hands out values and slices of one type from a few large chunks instead
// of one heap object each. The garbage collector marks every heap object in every cycle:
// a price rules snapshot built value by value was 230,000 objects for 10,000 rules, and a
// storefront answer one field set and one field context per object and list element. Put
// into chunks they are a few objects, marked once each.
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
// for concurrent use. What it hands out lives as long as anything points into its chunk
// (the garbage collector sees to that), or until Reset.
type Allocator[T any] struct {
	all  [][]T // the chunks, in the order they are used; all[cur] is the current one
	cur  int
	free []T // the rest of all[cur]
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
		a.next(n)
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

// Reset zeroes everything handed out and hands it out again: only for values nothing
// reads any more (a request's, once its answer is written). The chunks are kept.
func (a *Allocator[T]) Reset() {
	if len(a.all) == 0 {
		return
	}
	for i := range a.all[:a.cur+1] {
		clear(a.all[i])
	}
	a.cur, a.free = 0, a.all[0]
}

// next makes the following chunk current: a kept one if it has room for n, else a new one
// twice the size of the current one (up to maxChunk), or of n if that is more. A kept
// chunk too small for n has handed out nothing since Reset, and is dropped for the new one.
func (a *Allocator[T]) next(n int) {
	if len(a.all) > 0 && a.cur+1 < len(a.all) && len(a.all[a.cur+1]) >= n {
		a.cur++
		a.free = a.all[a.cur]
		return
	}
	size := perChunk[T](firstChunk)
	if len(a.all) > 0 {
		size = min(2*len(a.all[a.cur]), perChunk[T](maxChunk))
	}
	c := make([]T, max(size, n))
	switch {
	case len(a.all) == 0:
		a.all = append(a.all, c)
	case a.cur+1 < len(a.all):
		a.cur++
		a.all[a.cur] = c
	default:
		a.all = append(a.all, c)
		a.cur++
	}
	a.free = c
}

// perChunk is how many Ts fit in bytes, at least one.
func perChunk[T any](bytes int) int {
	var v T
	return max(bytes/max(int(unsafe.Sizeof(v)), 1), 1)
}
