package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/auth"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/validation"
	bview "audienceactivation/templates/blocks"
	"audienceactivation/templates/components"
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

func (s *Server) audienceNames(ctx context.Context, ids []int64) string {
	if len(ids) == 0 {
		return "Everyone"
	}
	var names []string
	for _, id := range ids {
		if a, _, err := s.deps.Audiences.Get(ctx, id); err == nil {
			names = append(names, a.Name)
		}
	}
	return strings.Join(names, ", ")
}

// blocksGridDef is Content › Dynamic Blocks as the column chooser and the export see it.
var blocksGridDef = registerGrid(&gridDef{name: "dynamic-blocks", base: "/admin/dynamic-blocks", perm: auth.PermBlocksRead, file: "dynamic-blocks",
	keys: []string{"q", "type", "status", "sort", "dir", "page"},
	columns: []gridColumn{{key: "id", label: "ID"}, {key: "name", label: "Dynamic Block", fixed: true}, {key: "type", label: "Type"},
		{key: "status", label: "Status"}, {key: "audiences", label: "Audiences"}, {key: "store_views", label: "Store Views"}}})

// blockList is the blocks the grid's filters match, sorted as asked, with the store views
// each shows in and the number of blocks in all. Blocks are few (a merchant's banners), so
// they are filtered here rather than in SQL.
type blockList struct {
	rows     []dynamicblocks.Block
	all      int
	storesOf map[int64]string
	sort     string
	desc     bool
}

func (s *Server) blockList(ctx context.Context, q url.Values) (blockList, error) {
	all, err := s.deps.Blocks.Blocks(ctx)
	if err != nil {
		return blockList{}, err
	}
	placements, err := s.deps.Blocks.Placements(ctx)
	if err != nil {
		return blockList{}, err
	}
	views, err := s.deps.Stores.StoreViews(ctx)
	if err != nil {
		return blockList{}, err
	}
	viewNames := map[int64]string{}
	for _, sv := range views {
		viewNames[sv.ID] = sv.Name
	}
	// Store views a block shows in: those of the placements that list it.
	storesOf := map[int64][]string{}
	for _, p := range placements {
		names := []string{"All store views"}
		if len(p.StoreViewIDs) > 0 {
			names = nil
			for _, id := range p.StoreViewIDs {
				names = append(names, viewNames[id])
			}
		}
		for _, b := range p.Blocks {
			storesOf[b.BlockID] = append(storesOf[b.BlockID], names...)
		}
		// A rule-related placement shows every block related to a rule the cart earned.
		if p.Display == dynamicblocks.DisplayRuleRelated {
			for _, b := range all {
				if len(b.RuleIDs) > 0 {
					for _, n := range names {
						storesOf[b.ID] = append(storesOf[b.ID], n+" (with its rules)")
					}
				}
			}
		}
	}
	l := blockList{all: len(all), storesOf: map[int64]string{}, sort: q.Get("sort"), desc: q.Get("dir") == "desc"}
	for id, names := range storesOf {
		slices.Sort(names)
		l.storesOf[id] = strings.Join(slices.Compact(names), ", ")
	}
	search, typ, status := strings.ToLower(validation.Clean(q.Get("q"), 255)), q.Get("type"), q.Get("status")
	for _, b := range all {
		if search != "" && !strings.Contains(strings.ToLower(b.Name), search) {
			continue
		}
		if typ != "" && string(b.Type) != typ {
			continue
		}
		if (status == "enabled" && !b.Enabled) || (status == "disabled" && b.Enabled) {
			continue
		}
		l.rows = append(l.rows, b)
	}
	switch l.sort {
	case "name", "type", "status":
	default:
		l.sort = "id"
	}
	sort.SliceStable(l.rows, func(i, j int) bool {
		a, b := l.rows[i], l.rows[j]
		var less bool
		switch l.sort {
		case "name":
			less = strings.ToLower(a.Name) < strings.ToLower(b.Name)
		case "type":
			less = a.Type < b.Type
		case "status":
			less = !a.Enabled && b.Enabled
		default:
			less = a.ID < b.ID
		}
		if l.desc {
			return !less
		}
		return less
	})
	return l, nil
}

func (s *Server) blocksGrid(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := s.grid(c, blocksGridDef)
	if err != nil {
		return err
	}
	q := g.q
	v := bview.GridView{Base: s.base(c, "Dynamic Blocks", layout.NavBlocks), Search: validation.Clean(q.Get("q"), 255), Type: q.Get("type"), Status: q.Get("status")}
	for _, t := range dynamicblocks.BlockTypes {
		v.Types = append(v.Types, bview.Option{Value: string(t.Type), Label: t.Label, Selected: string(t.Type) == v.Type})
	}
	l, err := s.blockList(ctx, q)
	if err != nil {
		return err
	}
	for _, col := range blocksGridDef.columns {
		if !g.show(col.key) {
			continue
		}
		cv := bview.Column{Key: col.key, Label: col.label, Active: col.key == l.sort, Desc: col.key == l.sort && l.desc}
		if col.key == "id" || col.key == "name" || col.key == "type" || col.key == "status" {
			dir := ""
			if cv.Active && !l.desc {
				dir = "desc"
			}
			cv.SortURL = g.link(map[string]string{"sort": col.key, "dir": dir, "page": ""})
		}
		v.Columns = append(v.Columns, cv)
	}
	page := pageParam(q)
	v.Pager = components.PagerView{Page: page, PerPage: g.perPage, Total: int64(len(l.rows)), Of: int64(l.all), Noun: "blocks"}
	if page > v.Pager.Pages() {
		page = v.Pager.Pages()
		v.Pager.Page = page
	}
	start := min((page-1)*g.perPage, len(l.rows))
	for _, b := range l.rows[start:min(start+g.perPage, len(l.rows))] {
		r := bview.Row{ID: b.ID, Name: b.Name, Type: typeLabel(b.Type), Enabled: b.Enabled, Status: "Disabled",
			StoreViews: l.storesOf[b.ID], EditURL: fmt.Sprintf("/admin/dynamic-blocks/%d/edit", b.ID)}
		if g.show("audiences") {
			r.Audiences = s.audienceNames(ctx, b.AudienceIDs)
		}
		if b.Enabled {
			r.Status = "Enabled"
		}
		if r.StoreViews == "" {
			r.StoreViews = "Not placed"
		}
		v.Rows = append(v.Rows, r)
	}
	v.Pager = withPageLinks(v.Pager, g.link)
	v.Tools = g.tools(v.CSRF)
	return render(c, http.StatusOK, bview.Grid(v))
}

// blocksCSV exports the blocks the grid's filters match, in the grid's order.
func (s *Server) blocksCSV(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := s.grid(c, blocksGridDef)
	if err != nil {
		return err
	}
	l, err := s.blockList(ctx, g.q)
	if err != nil {
		return err
	}
	blocks := l.rows[:min(len(l.rows), csvMaxRows)]
	rows := make([]map[string]string, len(blocks))
	for i, b := range blocks {
		status := "Disabled"
		if b.Enabled {
			status = "Enabled"
		}
		rows[i] = map[string]string{"id": strconv.FormatInt(b.ID, 10), "name": b.Name, "type": typeLabel(b.Type), "status": status,
			"audiences": s.audienceNames(ctx, b.AudienceIDs), "store_views": cmp.Or(l.storesOf[b.ID], "Not placed")}
	}
	return writeGridCSV(c, g, rows, int64(len(l.rows)))
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
	for _, b := range blocks {
		f := bview.PlacementBlockField{ID: b.ID, Name: b.Name, Chosen: order[b.ID] > 0, Enabled: "Disabled", Target: s.audienceNames(ctx, b.AudienceIDs)}
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
