package dynamicblocks

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"audienceactivation/internal/db"
)

// ListFilter selects a page of the blocks grid.
type ListFilter struct {
	Search  string // part of the name, in any case
	Type    string // a BlockType; "" for every type
	Status  string // "enabled", "disabled" or "" for both
	Sort    string // id, name, type, status (ValidBlockSort); id otherwise
	Desc    bool
	Page    int // from 1; a page past the last answers no rows
	PerPage int // at most 200; 20 when not in 1..200
}

// ListRow is one block in the grid.
type ListRow struct {
	ID          int64
	Name        string
	Type        BlockType
	Enabled     bool
	AudienceIDs []int64 // empty: everyone
	// StoreViews says where the block shows, sorted and without repeats: the names of the
	// store views of the placements that can show it ("All store views" for a placement on
	// every view), marked " (with its rules)" for a placement that shows it only when a cart
	// earns one of its related rules. Empty: no placement can show it.
	StoreViews []string
}

// AllStoreViews and WithItsRules are how ListRow.StoreViews names a placement on every store
// view and marks a cart-price-rule related one.
const (
	AllStoreViews = "All store views"
	WithItsRules  = " (with its rules)"
)

// blockSort maps the grid's sort keys to SQL; every order ends with the id (in the same
// direction), so pages never share or skip a row.
var blockSort = map[string]string{
	"id": "b.id", "name": "b.search_name", "type": "b.block_type", "status": "b.is_enabled",
}

// ValidBlockSort reports whether col sorts the blocks grid.
func ValidBlockSort(col string) bool { _, ok := blockSort[col]; return ok }

// List returns a page of blocks, the number the filter matches and the number in all.
// Filtering, sorting and paging happen in SQL; only the page's blocks are read, with the
// store views each shows in worked out from the placements. Store views belong to the stores
// package, so the caller names them: viewNames maps a store view id to its name.
func (s *Service) List(ctx context.Context, f ListFilter, viewNames map[int64]string) (rows []ListRow, matched, total int64, err error) {
	g := s.db.WithContext(ctx)
	if err = g.Raw("SELECT COUNT(*) FROM dynamic_blocks").Scan(&total).Error; err != nil {
		return
	}
	where := []string{"1 = 1"}
	var args []any
	if q := strings.ToLower(strings.TrimSpace(f.Search)); q != "" {
		where = append(where, `b.search_name LIKE ? ESCAPE '\'`)
		args = append(args, "%"+db.EscapeLike(q)+"%")
	}
	if f.Type != "" {
		where = append(where, "b.block_type = ?")
		args = append(args, f.Type)
	}
	switch f.Status {
	case "enabled":
		where = append(where, "b.is_enabled = ?")
		args = append(args, true)
	case "disabled":
		where = append(where, "b.is_enabled = ?")
		args = append(args, false)
	}
	cond := strings.Join(where, " AND ")
	if err = g.Raw("SELECT COUNT(*) FROM dynamic_blocks b WHERE "+cond, args...).Scan(&matched).Error; err != nil {
		return
	}
	order, ok := blockSort[f.Sort]
	if !ok {
		order = blockSort["id"]
	}
	dir := " ASC"
	if f.Desc {
		dir = " DESC"
	}
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 20
	}
	f.Page = max(f.Page, 1)
	if int64(f.Page-1)*int64(f.PerPage) >= matched {
		return nil, matched, total, nil
	}
	var raw []struct {
		ID        int64
		Name      string
		BlockType string
		IsEnabled bool
	}
	err = g.Raw("SELECT b.id, b.name, b.block_type, b.is_enabled FROM dynamic_blocks b WHERE "+cond+" ORDER BY "+order+dir+", b.id"+dir+" LIMIT ? OFFSET ?",
		append(args, f.PerPage, (f.Page-1)*f.PerPage)...).Scan(&raw).Error
	if err != nil || len(raw) == 0 {
		return
	}
	ids := make([]int64, len(raw))
	for i, r := range raw {
		rows = append(rows, ListRow{ID: r.ID, Name: r.Name, Type: BlockType(r.BlockType), Enabled: r.IsEnabled})
		ids[i] = r.ID
	}
	if err = s.listAudiences(ctx, rows, ids); err != nil {
		return nil, 0, 0, err
	}
	if err = s.listStoreViews(ctx, rows, ids, viewNames); err != nil {
		return nil, 0, 0, err
	}
	return rows, matched, total, nil
}

// listAudiences fills in the audiences the page's blocks target.
func (s *Service) listAudiences(ctx context.Context, rows []ListRow, ids []int64) error {
	var pairs []struct{ BlockID, AudienceID int64 }
	if err := s.db.WithContext(ctx).Raw("SELECT block_id, audience_id FROM dynamic_block_audiences WHERE block_id IN ? ORDER BY audience_id", ids).
		Scan(&pairs).Error; err != nil {
		return err
	}
	pos := positions(rows)
	for _, p := range pairs {
		rows[pos[p.BlockID]].AudienceIDs = append(rows[pos[p.BlockID]].AudienceIDs, p.AudienceID)
	}
	return nil
}

// listStoreViews fills in where the page's blocks show. A placement can show a block as
// Placement.Shows says, the same answer the block editor's "used by" list gives: a placement
// of specified blocks shows those it lists; a cart-price-rule related one shows every block
// related to a rule (of a type it takes), whatever it lists. Only the placements that can
// show one of the page's blocks are read.
func (s *Service) listStoreViews(ctx context.Context, rows []ListRow, ids []int64, viewNames map[int64]string) error {
	g := s.db.WithContext(ctx)
	var listed []struct{ PlacementID, BlockID int64 }
	if err := g.Raw("SELECT placement_id, block_id FROM block_placement_blocks WHERE block_id IN ?", ids).Scan(&listed).Error; err != nil {
		return err
	}
	var related []int64 // the page's blocks with a related rule
	if err := g.Raw("SELECT DISTINCT block_id FROM dynamic_block_rules WHERE block_id IN ?", ids).Scan(&related).Error; err != nil {
		return err
	}
	if len(listed) == 0 && len(related) == 0 {
		return nil
	}
	placementIDs := make([]int64, 0, len(listed))
	for _, l := range listed {
		placementIDs = append(placementIDs, l.PlacementID)
	}
	var ps []placementRow
	q := g.Where("id IN ?", placementIDs)
	if len(related) > 0 {
		q = q.Or("display_mode = ?", string(DisplayRuleRelated))
	}
	if err := q.Order("id").Find(&ps).Error; err != nil {
		return err
	}
	if len(ps) == 0 {
		return nil
	}
	places := make([]Placement, len(ps))
	pos := map[int64]int{}
	for i, p := range ps {
		places[i] = Placement{ID: p.ID, Display: DisplayMode(p.DisplayMode), RestrictType: BlockType(p.RestrictType)}
		pos[p.ID] = i
	}
	for _, l := range listed {
		if i, ok := pos[l.PlacementID]; ok {
			places[i].Blocks = append(places[i].Blocks, PlacementBlock{BlockID: l.BlockID})
		}
	}
	var svs []struct{ PlacementID, StoreViewID int64 }
	if err := g.Raw("SELECT placement_id, store_view_id FROM block_placement_store_views WHERE placement_id IN ?", slices.Collect(maps.Keys(pos))).
		Scan(&svs).Error; err != nil {
		return err
	}
	for _, sv := range svs {
		places[pos[sv.PlacementID]].StoreViewIDs = append(places[pos[sv.PlacementID]].StoreViewIDs, sv.StoreViewID)
	}
	for i := range rows {
		b := Block{ID: rows[i].ID, Type: rows[i].Type}
		if slices.Contains(related, b.ID) {
			b.RuleIDs = []int64{0} // Shows asks only whether the block has a related rule
		}
		var names []string
		for _, p := range places {
			if !p.Shows(b) {
				continue
			}
			mark := ""
			if p.Display == DisplayRuleRelated {
				mark = WithItsRules
			}
			if len(p.StoreViewIDs) == 0 {
				names = append(names, AllStoreViews+mark)
			}
			for _, id := range p.StoreViewIDs {
				name, ok := viewNames[id]
				if !ok {
					name = fmt.Sprintf("Store view %d", id)
				}
				names = append(names, name+mark)
			}
		}
		slices.Sort(names)
		rows[i].StoreViews = slices.Compact(names)
	}
	return nil
}

func positions(rows []ListRow) map[int64]int {
	pos := make(map[int64]int, len(rows))
	for i, r := range rows {
		pos[r.ID] = i
	}
	return pos
}
