package chunk

import (
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"
	"unsafe"
)

// A slice handed out holds exactly its values: appending to it moves it rather than
// writing over the next one, whatever was asked for before.
func TestSlicesDoNotGrowIntoTheirNeighbours(t *testing.T) {
	var a Allocator[int64]
	x := a.Clone([]int64{1, 2})
	y := a.Clone([]int64{3, 4})
	x = append(x, 5)
	if !reflect.DeepEqual(x, []int64{1, 2, 5}) || !reflect.DeepEqual(y, []int64{3, 4}) {
		t.Fatalf("x %v, y %v", x, y)
	}
	r := a.Make(2)[:0]
	z := a.Clone([]int64{6})
	r = append(r, 7, 8, 9)
	if !reflect.DeepEqual(r, []int64{7, 8, 9}) || !reflect.DeepEqual(z, []int64{6}) {
		t.Fatalf("r %v, z %v", r, z)
	}
	if a.Clone([]int64(nil)) != nil || a.Clone([]int64{}) == nil || a.Make(0) == nil {
		t.Fatal("nil and empty slices must stay apart")
	}
}

// Whatever is asked for, in whatever sizes and across chunks, every slice is zero when
// handed out, has its length as capacity, and shares no memory with another: each is
// filled with its own number and checked at the end.
func TestHandedOutMemoryIsDisjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var a Allocator[int32]
	big := perChunk[int32](maxChunk) // sizes around the own-slice threshold and past a chunk
	var got [][]int32
	for i := range 5000 {
		var s []int32
		switch rng.IntN(4) {
		case 0:
			s = unsafe.Slice(a.New(), 1)
		case 1:
			s = a.Make(rng.IntN(8))
		case 2:
			s = a.Make(rng.IntN(big/2) + 1)
		default:
			s = a.Clone(make([]int32, rng.IntN(big+10)))
		}
		if cap(s) != len(s) {
			t.Fatalf("slice %d: cap %d, len %d", i, cap(s), len(s))
		}
		for j := range s {
			if s[j] != 0 {
				t.Fatalf("slice %d not zero", i)
			}
			s[j] = int32(i + 1)
		}
		got = append(got, s)
	}
	for i, s := range got {
		for _, v := range s {
			if v != int32(i+1) {
				t.Fatalf("slice %d was written over by slice %d", i, v-1)
			}
		}
	}
}

// Chunks start small, so that building something small stays cheap, and grow to
// maxChunk bytes and no further; a large request gets a slice of its own and leaves the
// current chunk as it was.
func TestChunksGrowToTheirBound(t *testing.T) {
	var a Allocator[int64]
	a.New()
	if a.size != firstChunk/8 {
		t.Fatalf("first chunk of %d values, want %d", a.size, firstChunk/8)
	}
	for range 100_000 {
		a.New()
	}
	if a.size != maxChunk/8 {
		t.Fatalf("chunks grew to %d values, want %d", a.size, maxChunk/8)
	}
	rest := len(a.free)
	if big := a.Make(maxChunk/8/4 + 1); len(big) != maxChunk/8/4+1 || len(a.free) != rest {
		t.Fatalf("a request over a quarter of a chunk took %d of the chunk", rest-len(a.free))
	}
}

// Many small values are a few heap objects: that is the package's reason to be.
func TestFewHeapObjects(t *testing.T) {
	type node struct {
		next *node
		text string
		n    int
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	a := new(Allocator[node])
	var head *node
	for i := range 100_000 {
		n := a.New()
		n.next, n.n = head, i
		head = n
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if objects := int64(after.HeapObjects) - int64(before.HeapObjects); objects > 200 {
		t.Errorf("100,000 values are %d heap objects", objects)
	}
	for n, i := head, 99_999; n != nil; n, i = n.next, i-1 {
		if n.n != i {
			t.Fatalf("value %d reads %d", i, n.n)
		}
	}
	runtime.KeepAlive(a)
}

// Values larger than a chunk, and values of no size, are still handed out.
func TestOddSizes(t *testing.T) {
	var large Allocator[[maxChunk + 1]byte]
	p, q := large.New(), large.New()
	p[0], q[0] = 1, 2
	if p[0] != 1 || q[0] != 2 {
		t.Fatal("large values overlap")
	}
	var empty Allocator[struct{}]
	if s := empty.Make(1000); len(s) != 1000 {
		t.Fatalf("len %d", len(s))
	}
}
