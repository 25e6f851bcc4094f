package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/auth"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/validation"
	bview "audienceactivation/templates/blocks"
	"audienceactivation/templates/layout"
)

func typeLabel(t dynamicblocks.BlockType) string {
	for _, bt := range dynamicblocks.BlockTypes {
		if bt.Type == t {
			return bt.Label
		}
	}
	return string(t)
}

// audienceListNames reads the names of the audiences in lists (one lookup for them all) and
// returns what names one list: "Everyone" when empty, ids no longer audiences left out.
func (s *Server) audienceListNames(ctx context.Context, lists ...[]int64) (func(ids []int64) string, error) {
	all := slices.Concat(lists...)
	slices.Sort(all)
	as, err := s.deps.Audiences.ByIDs(ctx, slices.Compact(all))
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(as))
	for _, a := range as {
		names[a.ID] = a.Name
	}
	return func(ids []int64) string {
		if len(ids) == 0 {
			return "Everyone"
		}
		var out []string
		for _, id := range ids {
			if n, ok := names[id]; ok {
				out = append(out, n)
			}
		}
		return strings.Join(out, ", ")
	}, nil
}

// blocksGridDef is Content › Dynamic Blocks as the column chooser and the export see it.
var blocksGridDef = registerGrid(&gridDef{name: "dynamic-blocks", base: "/admin/dynamic-blocks", perm: auth.PermBlocksRead, file: "dynamic-blocks",
	keys: []string{"q", "type", "status", "sort", "dir", "page"},
	columns: []gridColumn{{key: "id", label: "ID"}, {key: "name", label: "Dynamic Block", fixed: true}, {key: "type", label: "Type"},
		{key: "status", label: "Status"}, {key: "audiences", label: "Audiences"}, {key: "store_views", label: "Store Views"}}})

// blocksFilter reads the grid's filters and sort from its query; an unknown sort is by id.
func blocksFilter(q url.Values) dynamicblocks.ListFilter {
	f := dynamicblocks.ListFilter{Search: validation.Clean(q.Get("q"), 255), Type: q.Get("type"), Status: q.Get("status"),
		Sort: q.Get("sort"), Desc: q.Get("dir") == "desc"}
	if !dynamicblocks.ValidBlockSort(f.Sort) {
		f.Sort = "id"
	}
	return f
}

// storeViewNames names the store views (which the stores package owns) for the blocks list.
func (s *Server) storeViewNames(ctx context.Context) (map[int64]string, error) {
	views, err := s.deps.Stores.StoreViews(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(views))
	for _, sv := range views {
		names[sv.ID] = sv.Name
	}
	return names, nil
}

// blockRows are the grid's (and the export's) cells of blocks; the audiences' names are
// read only when the column is shown.
func (s *Server) blockRows(ctx context.Context, blocks []dynamicblocks.ListRow, audiences bool) ([]bview.Row, error) {
	audienceNames := func([]int64) string { return "" }
	if audiences {
		lists := make([][]int64, len(blocks))
		for i, b := range blocks {
			lists[i] = b.AudienceIDs
		}
		var err error
		if audienceNames, err = s.audienceListNames(ctx, lists...); err != nil {
			return nil, err
		}
	}
	rows := make([]bview.Row, len(blocks))
	for i, b := range blocks {
		rows[i] = bview.Row{ID: b.ID, Name: b.Name, Type: typeLabel(b.Type), Enabled: b.Enabled, Status: "Disabled", Audiences: audienceNames(b.AudienceIDs),
			StoreViews: cmp.Or(strings.Join(b.StoreViews, ", "), "Not placed"), EditURL: fmt.Sprintf("/admin/dynamic-blocks/%d/edit", b.ID)}
		if b.Enabled {
			rows[i].Status = "Enabled"
		}
	}
	return rows, nil
}

func (s *Server) blocksGrid(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := s.grid(c, blocksGridDef)
	if err != nil {
		return err
	}
	f := blocksFilter(g.q)
	f.Page, f.PerPage = pageParam(g.q), g.perPage
	names, err := s.storeViewNames(ctx)
	if err != nil {
		return err
	}
	rows, matched, total, err := s.deps.Blocks.List(ctx, f, names)
	if err != nil {
		return err
	}
	v := bview.GridView{Base: s.base(c, "Dynamic Blocks", layout.NavBlocks), Search: f.Search, Type: f.Type, Status: f.Status}
	v.Pager = g.pager(f.Page, matched, total, "blocks")
	if last := v.Pager.Pages(); f.Page > last {
		// Past the last page (a filter narrowed, blocks were deleted): show the last one.
		f.Page = last
		if rows, matched, total, err = s.deps.Blocks.List(ctx, f, names); err != nil {
			return err
		}
		v.Pager = g.pager(f.Page, matched, total, "blocks")
	}
	for _, t := range dynamicblocks.BlockTypes {
		v.Types = append(v.Types, bview.Option{Value: string(t.Type), Label: t.Label, Selected: string(t.Type) == v.Type})
	}
	for _, col := range blocksGridDef.columns {
		if !g.show(col.key) {
			continue
		}
		cv := bview.Column{Key: col.key, Label: col.label, Active: col.key == f.Sort, Desc: col.key == f.Sort && f.Desc}
		if dynamicblocks.ValidBlockSort(col.key) {
			dir := ""
			if cv.Active && !f.Desc {
				dir = "desc"
			}
			cv.SortURL = g.link(map[string]string{"sort": col.key, "dir": dir, "page": ""})
		}
		v.Columns = append(v.Columns, cv)
	}
	if v.Rows, err = s.blockRows(ctx, rows, g.show("audiences")); err != nil {
		return err
	}
	v.Tools = g.tools(v.CSRF)
	return render(c, http.StatusOK, bview.Grid(v))
}

// blocksCSV exports the blocks the grid's filters match (every page), in the grid's order.
func (s *Server) blocksCSV(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := s.grid(c, blocksGridDef)
	if err != nil {
		return err
	}
	names, err := s.storeViewNames(ctx)
	if err != nil {
		return err
	}
	f := blocksFilter(g.q)
	blocks, n, err := exportRows(func(page, perPage int) ([]dynamicblocks.ListRow, int64, error) {
		f.Page, f.PerPage = page, perPage
		rows, matched, _, err := s.deps.Blocks.List(ctx, f, names)
		return rows, matched, err
	})
	if err != nil {
		return err
	}
	cells, err := s.blockRows(ctx, blocks, g.show("audiences"))
	if err != nil {
		return err
	}
	rows := make([]map[string]string, len(cells))
	for i, r := range cells {
		rows[i] = map[string]string{"id": strconv.FormatInt(r.ID, 10), "name": r.Name, "type": r.Type, "status": r.Status,
			"audiences": r.Audiences, "store_views": r.StoreViews}
	}
	return writeGridCSV(c, g, rows, n)
}

type blockFormOpts struct {
	errs     validation.Errors
	removed  map[string][]string
	conflict bool
	chooser  chooserState
}

func (s *Server) blockForm(c echo.Context, status int, b dynamicblocks.Block, o blockFormOpts) error {
	ctx := c.Request().Context()
	title, action := "New Dynamic Block", "/admin/dynamic-blocks"
	if b.ID != 0 {
		title, action = "Edit Dynamic Block: "+b.Name, fmt.Sprintf("/admin/dynamic-blocks/%d", b.ID)
	}
	v := bview.EditView{Base: s.base(c, title, layout.NavBlocks), ID: b.ID, Version: int64(b.Version), Action: action, Name: b.Name,
		Enabled: b.Enabled, Type: string(b.Type), FromDate: b.FromDate, ToDate: b.ToDate, Errors: o.errs, Conflict: o.conflict,
		ReloadURL: fmt.Sprintf("/admin/dynamic-blocks/%d/edit", b.ID)}
	for _, t := range dynamicblocks.BlockTypes {
		v.Types = append(v.Types, bview.Option{Value: string(t.Type), Label: t.Label, Selected: t.Type == b.Type})
	}
	var chosen []string
	for _, id := range b.AudienceIDs {
		chosen = append(chosen, strconv.FormatInt(id, 10))
	}
	var err error
	if v.Chooser, err = s.chooserView(ctx, "audience_ids", o.chooser.search, o.chooser.page, chosen); err != nil {
		return err
	}
	v.Contents = append(v.Contents, bview.ContentField{Name: "content", Label: "Default content", Value: dynamicblocks.ForEditing(b.Content),
		Removed: o.removed["content"], Error: o.errs["content"]})
	views, err := s.deps.Stores.StoreViews(ctx)
	if err != nil {
		return err
	}
	for _, sv := range views {
		name := fmt.Sprintf("content_%d", sv.ID)
		v.Contents = append(v.Contents, bview.ContentField{Name: name, Label: "Content for " + sv.Name + " (empty: the default)",
			Value: dynamicblocks.ForEditing(b.StoreContent[sv.ID]), Removed: o.removed[name], Error: o.errs[name]})
	}
	v.Preview, _ = dynamicblocks.Sanitize(b.Content)
	if v.AudienceWarnings, err = s.audienceWarnings(ctx, b.AudienceIDs, nil, nil); err != nil {
		return err
	}
	rules, _, _, err := s.deps.PriceRules.List(ctx, pricerules.ListFilter{Sort: "name", PerPage: 200})
	if err != nil {
		return err
	}
	for _, r := range rules {
		v.Rules = append(v.Rules, bview.Option{Value: strconv.FormatInt(r.ID, 10), Label: r.Name, Selected: containsID(b.RuleIDs, r.ID)})
	}
	if b.ID != 0 {
		placements, err := s.deps.Blocks.PlacementsShowing(ctx, b)
		if err != nil {
			return err
		}
		for _, p := range placements {
			label := fmt.Sprintf("%s — %s", p.Title, locationLabel(p.Location))
			if p.Display == dynamicblocks.DisplayRuleRelated {
				label += " (when the cart earns a related rule)"
			}
			v.UsedBy = append(v.UsedBy, bview.Link{Label: label, Href: fmt.Sprintf("/admin/dynamic-blocks/placements/%d/edit", p.ID)})
		}
		v.PlaceURL = fmt.Sprintf("/admin/dynamic-blocks/placements/new?block=%d", b.ID)
		v.DeleteURL = fmt.Sprintf("/admin/dynamic-blocks/%d/delete", b.ID)
	}
	if v.Errors == nil {
		v.Errors = map[string]string{}
	}
	return render(c, status, bview.Edit(v))
}

func (s *Server) blockNew(c echo.Context) error {
	return s.blockForm(c, http.StatusOK, dynamicblocks.Block{Enabled: true, Type: dynamicblocks.TypeAny}, blockFormOpts{})
}

func (s *Server) blockEdit(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	b, err := s.deps.Blocks.Block(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.blockForm(c, http.StatusOK, b, blockFormOpts{})
}

func blockFromForm(form url.Values) dynamicblocks.Block {
	b := dynamicblocks.Block{Name: form.Get("name"), Enabled: form.Get("enabled") == "1", Type: dynamicblocks.BlockType(form.Get("type")),
		Content: form.Get("content"), FromDate: form.Get("from_date"), ToDate: form.Get("to_date"), StoreContent: map[int64]string{}}
	b.Version, _ = strconv.Atoi(form.Get("version"))
	for _, v := range form["audience_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && len(b.AudienceIDs) < 1000 {
			b.AudienceIDs = append(b.AudienceIDs, id)
		}
	}
	for _, v := range form["rule_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			b.RuleIDs = append(b.RuleIDs, id)
		}
	}
	for k, vs := range form {
		if id, ok := strings.CutPrefix(k, "content_"); ok {
			if n, err := strconv.ParseInt(id, 10, 64); err == nil && len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
				b.StoreContent[n] = vs[0]
			}
		}
	}
	return b
}

func (s *Server) blockCreate(c echo.Context) error { return s.blockSave(c, 0) }

func (s *Server) blockUpdate(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return s.blockSave(c, id)
}

func (s *Server) blockSave(c echo.Context, id int64) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "bad form")
	}
	b := blockFromForm(form)
	b.ID = id
	if field, page, ok := strings.Cut(form.Get("chooser_goto"), ":"); ok || form.Get("chooser_search") != "" || form.Get("preview") != "" {
		n, _ := strconv.Atoi(page)
		if !ok {
			field = "audience_ids"
		}
		_, removed := dynamicblocks.ValidateBlock(&dynamicblocks.Block{Name: "x", Type: dynamicblocks.TypeAny, Content: b.Content, StoreContent: map[int64]string{}})
		return s.blockForm(c, http.StatusOK, b, blockFormOpts{removed: removed, chooser: chooserState{page: n, search: validation.Clean(form.Get("chooser_q:"+field), 255)}})
	}
	saved, removed, err := s.deps.Blocks.SaveBlock(c.Request().Context(), actor(c), b)
	var ve validation.Errors
	switch {
	case errors.As(err, &ve):
		return s.blockForm(c, http.StatusUnprocessableEntity, b, blockFormOpts{errs: ve, removed: removed})
	case errors.Is(err, dynamicblocks.ErrConflict):
		return s.blockForm(c, http.StatusConflict, b, blockFormOpts{conflict: true})
	case err != nil:
		return err
	}
	if n := len(removed); n > 0 {
		var all []string
		for _, r := range removed {
			all = append(all, r...)
		}
		if err := s.sessions.addFlash(c, flashInfo, "Removed from the content for safety: "+strings.Join(all, ", ")+". Everything else was kept."); err != nil {
			return err
		}
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/admin/dynamic-blocks/%d/edit", saved.ID), flashSuccess, fmt.Sprintf("You saved the dynamic block %q.", saved.Name))
}

// blockPreview renders the sanitized content while the merchant types.
func (s *Server) blockPreview(c echo.Context) error {
	html, removed := dynamicblocks.Sanitize(c.FormValue("content"))
	return render(c, http.StatusOK, bview.Preview(html, removed))
}

func (s *Server) blocksMass(c echo.Context) error {
	return s.massAction(c, massGrid{base: "/admin/dynamic-blocks", noun: "block", on: "enable", off: "disable",
		setOn: s.deps.Blocks.SetEnabled, remove: s.deps.Blocks.DeleteBlocks})
}

var rotationLabels = []struct {
	r     dynamicblocks.Rotation
	label string
}{{dynamicblocks.RotateAll, "Display all instead of rotating"}, {dynamicblocks.RotateRandom, "One at a time, random"},
	{dynamicblocks.RotateSeries, "One at a time, in series"}, {dynamicblocks.RotateShuffle, "One at a time, shuffle (each once per cycle)"}}

func (s *Server) placementsList(c echo.Context) error {
	ctx := c.Request().Context()
	ps, err := s.deps.Blocks.Placements(ctx)
	if err != nil {
		return err
	}
	blocks, err := s.deps.Blocks.Blocks(ctx)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, b := range blocks {
		names[b.ID] = b.Name
	}
	views, _ := s.deps.Stores.StoreViews(ctx)
	vnames := map[int64]string{}
	for _, sv := range views {
		vnames[sv.ID] = sv.Name
	}
	v := bview.PlacementsView{Base: s.base(c, "Block Placements", layout.NavPlacements)}
	for _, p := range ps {
		row := bview.PlacementRow{ID: p.ID, Title: p.Title, Location: p.Location, LocationLabel: locationLabel(p.Location), Display: "Specified blocks", EditURL: fmt.Sprintf("/admin/dynamic-blocks/placements/%d/edit", p.ID), Stores: "All"}
		if p.Display == dynamicblocks.DisplayRuleRelated {
			row.Display = "Cart price rule related"
		}
		for _, rl := range rotationLabels {
			if rl.r == p.Rotation {
				row.Rotation = rl.label
			}
		}
		var bn, sn []string
		for _, b := range p.Blocks {
			bn = append(bn, names[b.BlockID])
		}
		for _, id := range p.StoreViewIDs {
			sn = append(sn, vnames[id])
		}
		row.Blocks = strings.Join(bn, ", ")
		if len(bn) == 0 && p.Display == dynamicblocks.DisplaySpecified {
			row.Blocks = "None: this placement shows nothing"
		}
		if len(sn) > 0 {
			row.Stores = strings.Join(sn, ", ")
		}
		v.Rows = append(v.Rows, row)
	}
	return render(c, http.StatusOK, bview.Placements(v))
}

func (s *Server) placementForm(c echo.Context, status int, p dynamicblocks.Placement, errs validation.Errors, conflict bool) error {
	ctx := c.Request().Context()
	title, action := "New Block Placement", "/admin/dynamic-blocks/placements"
	if p.ID != 0 {
		title, action = "Edit Block Placement: "+p.Title, fmt.Sprintf("/admin/dynamic-blocks/placements/%d", p.ID)
	}
	v := bview.PlacementEditView{Base: s.base(c, title, layout.NavPlacements), ID: p.ID, Version: int64(p.Version), Action: action, Title: p.Title,
		Location: p.Location, Display: string(p.Display), Rotation: string(p.Rotation), RestrictType: string(p.RestrictType), Errors: errs, Conflict: conflict}
	if p.ID != 0 {
		v.DeleteURL = fmt.Sprintf("/admin/dynamic-blocks/placements/%d/delete", p.ID)
	}
	if v.Errors == nil {
		v.Errors = map[string]string{}
	}
	known := false
	for _, l := range dynamicblocks.LocationChoices {
		v.Locations = append(v.Locations, bview.Option{Value: l.Value, Label: l.Label, Selected: l.Value == p.Location})
		known = known || l.Value == p.Location
	}
	if !known && p.Location != "" {
		// A slot a storefront named itself (through the API or an import) stays choosable.
		v.Locations = append(v.Locations, bview.Option{Value: p.Location, Label: "Custom slot (" + p.Location + ")", Selected: true})
	}
	for _, rl := range rotationLabels {
		v.Rotations = append(v.Rotations, bview.Option{Value: string(rl.r), Label: rl.label, Selected: rl.r == p.Rotation})
	}
	v.Types = append(v.Types, bview.Option{Value: "", Label: "No restriction", Selected: p.RestrictType == ""})
	for _, t := range dynamicblocks.BlockTypes[1:] {
		v.Types = append(v.Types, bview.Option{Value: string(t.Type), Label: t.Label, Selected: t.Type == p.RestrictType})
	}
	views, err := s.deps.Stores.StoreViews(ctx)
	if err != nil {
		return err
	}
	for _, sv := range views {
		v.StoreViews = append(v.StoreViews, bview.Option{Value: strconv.FormatInt(sv.ID, 10), Label: sv.Name, Selected: containsID(p.StoreViewIDs, sv.ID)})
	}
	blocks, err := s.deps.Blocks.Blocks(ctx)
	if err != nil {
		return err
	}
	order := map[int64]int{}
	for _, pb := range p.Blocks {
		order[pb.BlockID] = pb.SortOrder + 1
	}
	lists := make([][]int64, len(blocks))
	for i, b := range blocks {
		lists[i] = b.AudienceIDs
	}
	audienceNames, err := s.audienceListNames(ctx, lists...)
	if err != nil {
		return err
	}
	for _, b := range blocks {
		f := bview.PlacementBlockField{ID: b.ID, Name: b.Name, Chosen: order[b.ID] > 0, Enabled: "Disabled", Target: audienceNames(b.AudienceIDs)}
		if b.Enabled {
			f.Enabled = "Enabled"
		}
		if order[b.ID] > 0 {
			f.SortOrder = strconv.Itoa(order[b.ID] - 1)
		}
		v.Blocks = append(v.Blocks, f)
	}
	return render(c, status, bview.EditPlacement(v))
}

// placementNew is a new placement; ?block=ID (the block editor's "place it" link) starts
// it with that block chosen.
func (s *Server) placementNew(c echo.Context) error {
	p := dynamicblocks.Placement{Location: "home.hero", Display: dynamicblocks.DisplaySpecified, Rotation: dynamicblocks.RotateAll}
	if id, err := strconv.ParseInt(c.QueryParam("block"), 10, 64); err == nil && id > 0 {
		if b, err := s.deps.Blocks.Block(c.Request().Context(), id); err == nil {
			p.Title = b.Name
			p.Blocks = []dynamicblocks.PlacementBlock{{BlockID: b.ID}}
			// A header, footer or column block goes there; a content block to the hero.
			switch b.Type {
			case dynamicblocks.TypeHeader, dynamicblocks.TypeFooter, dynamicblocks.TypeLeft, dynamicblocks.TypeRight:
				p.Location = string(b.Type)
			}
		}
	}
	return s.placementForm(c, http.StatusOK, p, nil, false)
}

// locationLabel names a storefront location for people.
func locationLabel(loc string) string {
	for _, l := range dynamicblocks.LocationChoices {
		if l.Value == loc {
			return l.Label
		}
	}
	return loc
}

func (s *Server) placementEdit(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p, err := s.deps.Blocks.Placement(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.placementForm(c, http.StatusOK, p, nil, false)
}

func (s *Server) placementCreate(c echo.Context) error { return s.placementSave(c, 0) }

func (s *Server) placementUpdate(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return s.placementSave(c, id)
}

func (s *Server) placementSave(c echo.Context, id int64) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "bad form")
	}
	p := dynamicblocks.Placement{ID: id, Title: form.Get("title"), Location: form.Get("location"), Display: dynamicblocks.DisplayMode(form.Get("display")),
		Rotation: dynamicblocks.Rotation(form.Get("rotation")), RestrictType: dynamicblocks.BlockType(form.Get("restrict_type"))}
	p.Version, _ = strconv.Atoi(form.Get("version"))
	for _, v := range form["store_view_ids"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			p.StoreViewIDs = append(p.StoreViewIDs, n)
		}
	}
	for _, v := range form["block_ids"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			order, _ := strconv.Atoi(form.Get("sort_" + v))
			p.Blocks = append(p.Blocks, dynamicblocks.PlacementBlock{BlockID: n, SortOrder: order})
		}
	}
	saved, err := s.deps.Blocks.SavePlacement(c.Request().Context(), actor(c), p)
	var ve validation.Errors
	switch {
	case errors.As(err, &ve):
		return s.placementForm(c, http.StatusUnprocessableEntity, p, ve, false)
	case errors.Is(err, dynamicblocks.ErrConflict):
		return s.placementForm(c, http.StatusConflict, p, nil, true)
	case err != nil:
		return err
	}
	return s.redirectWithFlash(c, "/admin/dynamic-blocks/placements", flashSuccess, fmt.Sprintf("You saved the placement %q.", saved.Title))
}
