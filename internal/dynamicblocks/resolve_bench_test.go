package dynamicblocks

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkResolve resolves placements against 1,000 blocks and 100 placements (10 blocks
// each, half of the blocks targeted at one of 1,000 audiences); ns/op is per placement
// (target ≤ 20 µs).
func BenchmarkResolve(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	var blocks []Block
	for i := 1; i <= 1000; i++ {
		bl := Block{ID: int64(i), Name: fmt.Sprintf("Block %d", i), Enabled: i%10 != 0, Type: TypeContent, Content: "<p>hello</p>"}
		if i%2 == 0 {
			bl.AudienceIDs = []int64{int64(1 + rng.IntN(1000))}
		}
		blocks = append(blocks, bl)
	}
	var placements []Placement
	rotations := []Rotation{RotateAll, RotateRandom, RotateSeries, RotateShuffle}
	for p := 1; p <= 100; p++ {
		pl := Placement{ID: int64(p), Location: fmt.Sprintf("slot.%d", p%10), Display: DisplaySpecified, Rotation: rotations[p%4]}
		for k := 0; k < 10; k++ {
			pl.Blocks = append(pl.Blocks, PlacementBlock{BlockID: int64(1 + rng.IntN(1000)), SortOrder: k})
		}
		placements = append(placements, pl)
	}
	s := NewSnapshot(blocks, placements)
	who := &Shopper{StoreViewID: 1, Now: now, Rand: rng.IntN}
	for i := 0; i < 20; i++ {
		who.Audiences = append(who.Audiences, int64(1+rng.IntN(1000)))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Resolve(s.Placement(int64(1+i%100)), who)
	}
}
