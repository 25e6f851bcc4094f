package dynamicblocks

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Snapshot is an immutable set of blocks and placements, shared by every request.
type Snapshot struct {
	blocks     map[int64]*Block
	placements map[int64]*Placement
	byLocation map[string][]*Placement
	byRule     map[int64][]int64 // rule id → related block ids, ascending
	all        []*Placement      // by id
}

// NewSnapshot indexes blocks and placements. Content is sanitized again here, so what the
// storefront shows is safe even if a row was written around the service.
func NewSnapshot(blocks []Block, placements []Placement) *Snapshot {
	s := &Snapshot{blocks: map[int64]*Block{}, placements: map[int64]*Placement{}, byLocation: map[string][]*Placement{}, byRule: map[int64][]int64{}}
	for i := range blocks {
		b := blocks[i]
		b.Content, _ = Sanitize(b.Content)
		contents := make(map[int64]string, len(b.StoreContent))
		for sv, c := range b.StoreContent {
			contents[sv], _ = Sanitize(c)
		}
		b.StoreContent = contents
		s.blocks[b.ID] = &b
		for _, r := range b.RuleIDs {
			s.byRule[r] = append(s.byRule[r], b.ID)
		}
	}
	for r := range s.byRule {
		slices.Sort(s.byRule[r])
		s.byRule[r] = slices.Compact(s.byRule[r])
	}
	for i := range placements {
		p := placements[i]
		sort.SliceStable(p.Blocks, func(a, b int) bool { return p.Blocks[a].SortOrder < p.Blocks[b].SortOrder })
		s.placements[p.ID] = &p
		s.byLocation[p.Location] = append(s.byLocation[p.Location], &p)
	}
	for _, ps := range s.byLocation {
		sort.Slice(ps, func(a, b int) bool { return ps[a].ID < ps[b].ID })
		s.all = append(s.all, ps...)
	}
	sort.Slice(s.all, func(a, b int) bool { return s.all[a].ID < s.all[b].ID })
	return s
}

// Placements returns the placements of a location in a store view.
func (s *Snapshot) Placements(location string, storeViewID int64) []*Placement {
	var out []*Placement
	for _, p := range s.byLocation[location] {
		if len(p.StoreViewIDs) == 0 || slices.Contains(p.StoreViewIDs, storeViewID) {
			out = append(out, p)
		}
	}
	return out
}

// PlacementsIn returns every placement of a store view, by id.
func (s *Snapshot) PlacementsIn(storeViewID int64) []*Placement {
	var out []*Placement
	for _, p := range s.all {
		if len(p.StoreViewIDs) == 0 || slices.Contains(p.StoreViewIDs, storeViewID) {
			out = append(out, p)
		}
	}
	return out
}

// Placement returns a placement by id.
func (s *Snapshot) Placement(id int64) *Placement { return s.placements[id] }

// Block returns a block by id.
func (s *Snapshot) Block(id int64) *Block { return s.blocks[id] }

// Shopper is who a placement is resolved for, and when: the store view, audiences and
// applied rules, the time and the rotation state (named as pricerules.Shopper is).
type Shopper struct {
	StoreViewID    int64
	Audiences      []int64 // local ids of the shopper's active audiences
	AppliedRuleIDs []int64 // cart price rules applied to the shopper's cart
	Now            time.Time
	Location       *time.Location // the store view's timezone
	State          PlacementState // this placement's rotation state, from the shopper's cookie
	Rand           func(n int) int
	// Want, when set, narrows the blocks a request asks for (by type, id or audience)
	// before rotation, so a one-at-a-time placement picks among the blocks wanted.
	Want func(*Block) bool
	// Explain asks for the blocks left out and why (Resolution.Omitted), as the
	// Personalization Preview shows them; storefront requests do without.
	Explain bool
}

// PlacementState is what series and shuffle remember per shopper: the position in the
// series, or the blocks already shown in this shuffle cycle.
type PlacementState struct {
	Next int
	Seen []int64
}

// Shown is a block a placement shows.
type Shown struct {
	BlockID     int64
	HTML        string
	AudienceIDs []int64
}

// Omitted is a block left out, and why.
type Omitted struct {
	BlockID int64
	Reason  string
}

// Resolution is what a placement shows, what it left out, and the state to remember.
type Resolution struct {
	Blocks  []Shown
	Omitted []Omitted
	State   PlacementState
}

func day(t time.Time) int { return t.Year()*10000 + int(t.Month())*100 + t.Day() }

func parseDay(d string) int {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return 0
	}
	return day(t)
}

// eligible decides whether a block can show to this shopper; if not, why.
func (s *Snapshot) eligible(p *Placement, b *Block, who *Shopper, today int) string {
	switch {
	case b == nil:
		return "The block no longer exists"
	case !b.Enabled:
		return "The block is disabled"
	case p.RestrictType != "" && p.RestrictType != TypeAny && b.Type != TypeAny && b.Type != p.RestrictType:
		return fmt.Sprintf("The placement shows only %s blocks", p.RestrictType)
	case b.FromDate != "" && today < parseDay(b.FromDate):
		return "Scheduled from " + b.FromDate
	case b.ToDate != "" && today > parseDay(b.ToDate):
		return "Scheduled until " + b.ToDate
	case who.Want != nil && !who.Want(b):
		return "Not asked for by the request's filters"
	}
	if len(b.AudienceIDs) > 0 {
		for _, a := range b.AudienceIDs {
			if slices.Contains(who.Audiences, a) {
				return ""
			}
		}
		return "The shopper is in none of the block's audiences"
	}
	return ""
}

// Resolve decides which blocks a placement shows to a shopper. It is a pure function of
// the snapshot and the shopper (with who.Rand as the only source of chance).
func (s *Snapshot) Resolve(p *Placement, who *Shopper) Resolution {
	var res Resolution
	loc := who.Location
	if loc == nil {
		loc = time.UTC
	}
	today := day(who.Now.In(loc))
	var ok []*Block
	consider := func(id int64) {
		b := s.blocks[id]
		if why := s.eligible(p, b, who, today); why != "" {
			if who.Explain {
				res.Omitted = append(res.Omitted, Omitted{BlockID: id, Reason: why})
			}
			return
		}
		ok = append(ok, b)
	}
	if p.Display == DisplayRuleRelated {
		var candidates []int64
		for _, r := range who.AppliedRuleIDs {
			candidates = append(candidates, s.byRule[r]...)
		}
		slices.Sort(candidates)
		for _, id := range slices.Compact(candidates) {
			consider(id)
		}
	} else {
		for _, pb := range p.Blocks {
			consider(pb.BlockID)
		}
	}
	pick := func(i int) {
		for j, b := range ok {
			if j != i && who.Explain {
				res.Omitted = append(res.Omitted, Omitted{BlockID: b.ID, Reason: "Another block's turn in the rotation"})
			}
		}
		b := ok[i]
		res.Blocks = append(res.Blocks, Shown{BlockID: b.ID, HTML: b.ContentFor(who.StoreViewID), AudienceIDs: b.AudienceIDs})
	}
	res.State = who.State
	if len(ok) == 0 {
		return res
	}
	random := who.Rand
	if random == nil {
		random = func(int) int { return 0 }
	}
	switch p.Rotation {
	case RotateRandom:
		pick(random(len(ok)))
	case RotateSeries:
		i := who.State.Next % len(ok)
		if i < 0 {
			i = 0
		}
		pick(i)
		res.State = PlacementState{Next: i + 1}
	case RotateShuffle:
		var unseen []int
		for i, b := range ok {
			if !slices.Contains(who.State.Seen, b.ID) {
				unseen = append(unseen, i)
			}
		}
		seen := slices.Clone(who.State.Seen)
		if len(unseen) == 0 { // a new cycle
			seen = nil
			for i := range ok {
				unseen = append(unseen, i)
			}
		}
		i := unseen[random(len(unseen))]
		pick(i)
		res.State = PlacementState{Seen: append(seen, ok[i].ID)}
	default:
		res.Blocks = make([]Shown, 0, len(ok))
		for _, b := range ok {
			res.Blocks = append(res.Blocks, Shown{BlockID: b.ID, HTML: b.ContentFor(who.StoreViewID), AudienceIDs: b.AudienceIDs})
		}
	}
	return res
}

// MaxStateBytes bounds the rotation cookie.
const MaxStateBytes = 2048

// EncodeStates writes rotation states for a cookie: "12:s3" (series, next 3) and
// "14:h5.9.2" (shuffle, blocks 5, 9 and 2 seen), separated by "|".
func EncodeStates(states map[int64]PlacementState) string {
	ids := make([]int64, 0, len(states))
	for id := range states {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var parts []string
	for _, id := range ids {
		st := states[id]
		switch {
		case len(st.Seen) > 0:
			seen := make([]string, len(st.Seen))
			for i, b := range st.Seen {
				seen[i] = strconv.FormatInt(b, 10)
			}
			parts = append(parts, fmt.Sprintf("%d:h%s", id, strings.Join(seen, ".")))
		case st.Next > 0:
			parts = append(parts, fmt.Sprintf("%d:s%d", id, st.Next))
		}
	}
	out := strings.Join(parts, "|")
	if len(out) > MaxStateBytes {
		return ""
	}
	return out
}

// DecodeStates reads EncodeStates' format; anything malformed is ignored, so a tampered
// cookie only restarts a rotation.
func DecodeStates(v string) map[int64]PlacementState {
	out := map[int64]PlacementState{}
	if len(v) > MaxStateBytes {
		return out
	}
	for _, part := range strings.Split(v, "|") {
		idText, rest, ok := strings.Cut(part, ":")
		id, err := strconv.ParseInt(idText, 10, 64)
		if !ok || err != nil || id <= 0 || rest == "" {
			continue
		}
		switch rest[0] {
		case 's':
			if n, err := strconv.Atoi(rest[1:]); err == nil && n >= 0 && n < 1_000_000 {
				out[id] = PlacementState{Next: n}
			}
		case 'h':
			var seen []int64
			for _, b := range strings.Split(rest[1:], ".") {
				if n, err := strconv.ParseInt(b, 10, 64); err == nil && n > 0 && len(seen) < 200 {
					seen = append(seen, n)
				}
			}
			out[id] = PlacementState{Seen: seen}
		}
	}
	return out
}
