package dynamicblocks

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func blocks() []Block {
	return []Block{
		{ID: 1, Name: "Everyone", Enabled: true, Type: TypeContent, Content: "<p>all</p>"},
		{ID: 2, Name: "Runners", Enabled: true, Type: TypeContent, AudienceIDs: []int64{5}, Content: "<p>run</p>", StoreContent: map[int64]string{2: "<p>laufen</p>"}, RuleIDs: []int64{7}},
		{ID: 3, Name: "Gone audience", Enabled: true, Type: TypeContent, AudienceIDs: []int64{9}, Content: "<p>x</p>"},
		{ID: 4, Name: "Disabled", Enabled: false, Type: TypeContent, Content: "<p>off</p>"},
		{ID: 5, Name: "Header", Enabled: true, Type: TypeHeader, Content: "<p>h</p>", RuleIDs: []int64{7, 8}},
		{ID: 6, Name: "December", Enabled: true, Type: TypeAny, Content: "<p>dec</p>", FromDate: "2026-12-01", ToDate: "2026-12-31"},
	}
}

func place(rot Rotation, ids ...int64) Placement {
	p := Placement{ID: 1, Location: "home.hero", Display: DisplaySpecified, Rotation: rot}
	for i, id := range ids {
		p.Blocks = append(p.Blocks, PlacementBlock{BlockID: id, SortOrder: i})
	}
	return p
}

func shownIDs(r Resolution) []int64 {
	var out []int64
	for _, b := range r.Blocks {
		out = append(out, b.BlockID)
	}
	return out
}

func TestDisplayAllAndReasons(t *testing.T) {
	p := place(RotateAll, 1, 2, 3, 4, 5, 6)
	s := NewSnapshot(blocks(), []Placement{p})
	// A shopper in audience 5; audience 9 left the CDP, so it is not among theirs.
	r := s.Resolve(s.Placement(1), &Shopper{StoreViewID: 1, Audiences: []int64{5}, Now: now, Explain: true})
	if got := shownIDs(r); !slices.Equal(got, []int64{1, 2, 5}) {
		t.Fatalf("shown %v", got)
	}
	reasons := map[int64]string{}
	for _, o := range r.Omitted {
		reasons[o.BlockID] = o.Reason
	}
	if reasons[3] != "The shopper is in none of the block's audiences" || reasons[4] != "The block is disabled" || reasons[6] != "Scheduled from 2026-12-01" {
		t.Fatalf("reasons %v", reasons)
	}
	// The storefront asks for no reasons: the same blocks, nothing explained.
	if quiet := s.Resolve(s.Placement(1), &Shopper{StoreViewID: 1, Audiences: []int64{5}, Now: now}); !slices.Equal(shownIDs(quiet), shownIDs(r)) || quiet.Omitted != nil {
		t.Fatalf("without Explain: %+v", quiet)
	}
	// Nobody in audience 5 sees the targeted block; everyone sees the untargeted one.
	if got := shownIDs(s.Resolve(s.Placement(1), &Shopper{StoreViewID: 1, Now: now})); !slices.Equal(got, []int64{1, 5}) {
		t.Fatalf("anonymous: %v", got)
	}
	// Store-view override.
	r = s.Resolve(s.Placement(1), &Shopper{StoreViewID: 2, Audiences: []int64{5}, Now: now})
	if r.Blocks[1].HTML != "<p>laufen</p>" || r.Blocks[0].HTML != "<p>all</p>" {
		t.Fatalf("store view content: %+v", r.Blocks)
	}
}

func TestTypeRestrictionAndSchedule(t *testing.T) {
	p := place(RotateAll, 1, 5, 6)
	p.RestrictType = TypeHeader
	s := NewSnapshot(blocks(), []Placement{p})
	la, _ := time.LoadLocation("America/Los_Angeles")
	cases := []struct {
		at   time.Time
		loc  *time.Location
		want []int64
	}{
		{time.Date(2026, 12, 1, 7, 59, 0, 0, time.UTC), la, []int64{5}},       // Nov 30 in Los Angeles
		{time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), la, []int64{5, 6}},     // Dec 1 there: first day included
		{time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC), nil, []int64{5, 6}}, // last day included
		{time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), nil, []int64{5}},
	}
	for _, tc := range cases {
		if got := shownIDs(s.Resolve(s.Placement(1), &Shopper{Now: tc.at, Location: tc.loc})); !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.at, got, tc.want)
		}
	}
}

func TestRuleRelated(t *testing.T) {
	p := Placement{ID: 1, Location: "cart.top", Display: DisplayRuleRelated, Rotation: RotateAll}
	s := NewSnapshot(blocks(), []Placement{p})
	if got := shownIDs(s.Resolve(s.Placement(1), &Shopper{AppliedRuleIDs: []int64{8, 7}, Audiences: []int64{5}, Now: now})); !slices.Equal(got, []int64{2, 5}) {
		t.Fatalf("rule related: %v", got)
	}
	if got := shownIDs(s.Resolve(s.Placement(1), &Shopper{Now: now})); len(got) != 0 {
		t.Fatalf("no rules applied: %v", got)
	}
}

func TestSeriesVisitsEveryBlockInOrder(t *testing.T) {
	s := NewSnapshot(blocks(), []Placement{place(RotateSeries, 5, 1, 2)})
	var state PlacementState
	var seen []int64
	for i := 0; i < 6; i++ {
		r := s.Resolve(s.Placement(1), &Shopper{Audiences: []int64{5}, Now: now, State: state})
		if len(r.Blocks) != 1 {
			t.Fatalf("series shows %d blocks", len(r.Blocks))
		}
		seen = append(seen, r.Blocks[0].BlockID)
		state = DecodeStates(EncodeStates(map[int64]PlacementState{1: r.State}))[1]
	}
	if !slices.Equal(seen, []int64{5, 1, 2, 5, 1, 2}) {
		t.Fatalf("series order %v", seen)
	}
}

func TestShuffleShowsEachBlockOncePerCycle(t *testing.T) {
	s := NewSnapshot(blocks(), []Placement{place(RotateShuffle, 1, 2, 5)})
	rng := rand.New(rand.NewPCG(4, 2))
	var state PlacementState
	for cycle := 0; cycle < 5; cycle++ {
		var got []int64
		for i := 0; i < 3; i++ {
			r := s.Resolve(s.Placement(1), &Shopper{Audiences: []int64{5}, Now: now, State: state, Rand: rng.IntN})
			got = append(got, r.Blocks[0].BlockID)
			state = DecodeStates(EncodeStates(map[int64]PlacementState{1: r.State}))[1]
		}
		slices.Sort(got)
		if !slices.Equal(got, []int64{1, 2, 5}) {
			t.Fatalf("cycle %d showed %v", cycle, got)
		}
	}
}

func TestRandomShowsOne(t *testing.T) {
	s := NewSnapshot(blocks(), []Placement{place(RotateRandom, 1, 2, 5)})
	counts := map[int64]int{}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 300; i++ {
		r := s.Resolve(s.Placement(1), &Shopper{Audiences: []int64{5}, Now: now, Rand: rng.IntN, Explain: true})
		if len(r.Blocks) != 1 || len(r.Omitted) != 2 {
			t.Fatalf("random: %+v", r)
		}
		counts[r.Blocks[0].BlockID]++
	}
	for _, id := range []int64{1, 2, 5} {
		if counts[id] < 50 {
			t.Fatalf("block %d shown %d of 300 times", id, counts[id])
		}
	}
}

func TestStatesRoundTripAndTampering(t *testing.T) {
	in := map[int64]PlacementState{3: {Next: 4}, 9: {Seen: []int64{5, 1}}}
	if out := DecodeStates(EncodeStates(in)); !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip %v", out)
	}
	for _, bad := range []string{"", "x", "1:", "1:s-4", "0:s1", "a:b|c:d", strings.Repeat("1:s1|", 1000)} {
		for id, st := range DecodeStates(bad) {
			if id <= 0 || st.Next < 0 {
				t.Fatalf("%q decoded to %v", bad, st)
			}
		}
	}
}

func FuzzDecodeStates(f *testing.F) {
	f.Add("1:s3|2:h4.5")
	f.Fuzz(func(t *testing.T, v string) {
		st := DecodeStates(v)
		if len(EncodeStates(st)) > MaxStateBytes {
			t.Fatal("re-encoded state too large")
		}
	})
}

func TestSanitizeRemovesScriptsAndKeepsFormatting(t *testing.T) {
	in := `<h2 class="hero">Winter <em>sale</em></h2><p><a href="/sale" target="_blank">Shop</a></p>` +
		`<img src="/media/hero.jpg" alt="Hero" onerror="alert(1)"><script>alert(2)</script>` +
		`<a href="javascript:alert(3)">x</a><iframe src="https://evil.example"></iframe>` +
		`<svg onload="alert(4)"><circle r="1"/></svg><p style="background:url(javascript:alert(5))" onclick="alert(6)">t</p>`
	out, gone := Sanitize(in)
	for _, bad := range []string{"<script", "onerror", "javascript:", "<iframe", "<svg", "onload", "onclick", "alert("} {
		if strings.Contains(strings.ToLower(out), bad) {
			t.Errorf("%s survived: %s", bad, out)
		}
	}
	for _, good := range []string{`<h2 class="hero">`, "<em>sale</em>", `href="/sale"`, `src="/media/hero.jpg"`, `alt="Hero"`} {
		if !strings.Contains(out, good) {
			t.Errorf("%s lost: %s", good, out)
		}
	}
	report := strings.Join(gone, ", ")
	for _, want := range []string{"<script> element", "onerror attribute on <img>", "<iframe> element", "<svg> element", "href with a script URL on <a>"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q: %s", want, report)
		}
	}
}

func TestSnapshotSanitizesOnOutput(t *testing.T) {
	bs := []Block{{ID: 1, Enabled: true, Type: TypeAny, Content: `<p onclick="x()">hi</p><script>evil()</script>`,
		StoreContent: map[int64]string{2: `<img src=x onerror=alert(1)>`}}}
	s := NewSnapshot(bs, []Placement{place(RotateAll, 1)})
	for _, sv := range []int64{1, 2} {
		r := s.Resolve(s.Placement(1), &Shopper{StoreViewID: sv, Now: now})
		h := r.Blocks[0].HTML
		if strings.Contains(h, "script") || strings.Contains(h, "onclick") || strings.Contains(h, "onerror") {
			t.Fatalf("store view %d output not sanitized: %s", sv, h)
		}
	}
}

// The editor shows quotes as typed; sanitizing what it shows gives back what was stored.
func TestForEditingShowsQuotesAsTyped(t *testing.T) {
	typed := `<p>Don't miss "this" &amp; more<img src="/x.png" alt="Sale"></p>`
	stored, _ := Sanitize(typed)
	shown := ForEditing(stored)
	if !strings.Contains(shown, `Don't miss "this" &amp; more`) {
		t.Fatalf("shown %q (stored %q)", shown, stored)
	}
	if again, _ := Sanitize(shown); again != stored {
		t.Fatalf("round trip %q, stored %q", again, stored)
	}
}
