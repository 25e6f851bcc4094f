package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/config"
	"audienceactivation/internal/stores"
	"audienceactivation/internal/validation"
	aview "audienceactivation/templates/audiences"
	"audienceactivation/templates/components"
	cfgview "audienceactivation/templates/configuration"
	"audienceactivation/templates/layout"
)

// audiencesGrid is the Real-Time CDP Audiences dashboard as the column chooser and the
// export see it; every column but the CDP id (export only) sorts.
var audiencesGrid = registerGrid(&gridDef{name: "audiences", base: "/admin/audiences", perm: auth.PermAudiencesRead, file: "audiences",
	keys: []string{"q", "website", "origin", "status", "from", "to", "sort", "dir", "page"},
	columns: []gridColumn{{key: audiences.SortName, label: "Audience", fixed: true}, {key: "cdp_id", label: "Audience ID", csvOnly: true},
		{key: audiences.SortOrigin, label: "Origin"}, {key: audiences.SortWebsites, label: "Websites"},
		{key: audiences.SortBlocks, label: "Dynamic Blocks"}, {key: audiences.SortRules, label: "Cart Price Rules"},
		{key: audiences.SortModified, label: "Last Modified"}, {key: audiences.SortStatus, label: "Status"}}})

func statusClass(st string) string { return "status-" + st }

func statusLabel(st string) string {
	if l, ok := audiences.StatusLabels[audiences.Status(st)]; ok {
		return l
	}
	return st
}

// usageWarning is shown when rules or blocks name an audience that matches nobody.
func usageWarning(status string, rules, blocks int) string {
	if status == string(audiences.StatusActive) || rules+blocks == 0 {
		return ""
	}
	why := "was removed from the CDP"
	if status == string(audiences.StatusInactive) {
		why = "is no longer activated to this store"
	}
	return fmt.Sprintf("Used by %d rule(s) and %d block(s), but it %s: it matches no shopper until it is activated again.", rules, blocks, why)
}

// relativeDay formats t as "today, 10:42 AM UTC", "yesterday, …" or "Nov 27, …".
func relativeDay(t, now time.Time) string {
	t, now = t.UTC(), now.UTC()
	clock := t.Format("3:04 PM") + " UTC"
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		return "today, " + clock
	case now.Sub(t) < 48*time.Hour && t.Day() == now.AddDate(0, 0, -1).Day():
		return "yesterday, " + clock
	}
	return t.Format("Jan 2, 2006, ") + clock
}

// syncAdvice turns a recorded sync error into what a merchant can do about it.
func syncAdvice(msg string) string {
	switch {
	case strings.Contains(msg, audiences.ErrNotConfigured.Error()):
		return "The Real-Time CDP credentials are incomplete: enter them in Stores › Configuration › Services."
	case strings.Contains(msg, audiences.ErrBadCredentials.Error()):
		return "Adobe refused the credentials: check the client ID and client secret in the configuration. (" + msg + ")"
	case strings.Contains(msg, audiences.ErrNoPermission.Error()):
		return "The credentials have no permission to read audiences in this sandbox: check the product profile of the Developer Console project. (" + msg + ")"
	case strings.Contains(msg, audiences.ErrUnreachable.Error()):
		return "Adobe could not be reached; the sync will be retried. (" + msg + ")"
	}
	if msg != "" && !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg + " The sync will be retried."
}

func (s *Server) syncView(ctx context.Context, c echo.Context) (aview.SyncView, error) {
	v := aview.SyncView{PollURL: "/admin/audiences/sync-status?was=running", CSRF: s.base(c, "", "").CSRF}
	running, err := s.deps.Syncer.Running(ctx)
	if err != nil {
		return v, err
	}
	v.Running = running
	runs, err := s.deps.Syncer.LatestRuns(ctx, 1)
	if err != nil {
		return v, err
	}
	if len(runs) == 1 {
		r := runs[0]
		if r.Status == audiences.RunRunning {
			v.Started = r.StartedAt.UTC().Format("3:04:05 PM") + " UTC"
		}
		if r.Status == audiences.RunFailed {
			v.Error, v.ErrorWhen = syncAdvice(r.Error), relativeDay(r.StartedAt, s.deps.Now())
		}
		if r.Status == audiences.RunSucceeded {
			v.Warnings = r.WarningList()
			if r.FinishedAt != nil {
				v.Result = "Last sync " + relativeDay(*r.FinishedAt, s.deps.Now()) + ": " + syncCounts(r) + "."
			}
		}
	}
	last, err := s.deps.Syncer.LastSuccess(ctx)
	if err != nil {
		return v, err
	}
	if last != nil && last.FinishedAt != nil {
		v.Updated = "Updated " + relativeDay(*last.FinishedAt, s.deps.Now())
	}
	return v, nil
}

// audiencesFilter reads the dashboard's filters and sort from the query, adding messages to
// errs for dates that do not parse; an unknown status or sort is ignored.
func audiencesFilter(q url.Values, websites []stores.Website, errs map[string]string) audiences.GridFilter {
	f := audiences.GridFilter{Websites: gridWebsites(websites), Search: validation.Clean(q.Get("q"), 255), Origin: validation.Clean(q.Get("origin"), 64),
		Sort: q.Get("sort"), Desc: q.Get("dir") == "desc"}
	if !audiences.ValidSort(f.Sort) {
		f.Sort, f.Desc = audiences.SortName, false
	}
	if _, ok := audiences.StatusLabels[audiences.Status(q.Get("status"))]; ok {
		f.Status = q.Get("status")
	}
	for _, w := range websites {
		if w.Code == q.Get("website") {
			f.WebsiteID = w.ID
		}
	}
	f.ModifiedFrom, f.ModifiedTo = dateRange(q.Get("from"), q.Get("to"), errs)
	return f
}

// gridWebsites names the websites, in display order, for the audiences grid.
func gridWebsites(websites []stores.Website) []audiences.Website {
	out := make([]audiences.Website, len(websites))
	for i, w := range websites {
		out[i] = audiences.Website{ID: w.ID, Name: w.Name}
	}
	return out
}

// audiencesCSV exports the audiences the dashboard's filters match (every page), with the
// rules and blocks that use each.
func (s *Server) audiencesCSV(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := s.grid(c, audiencesGrid)
	if err != nil {
		return err
	}
	websites, err := s.deps.Stores.Websites(ctx)
	if err != nil {
		return err
	}
	errs := map[string]string{}
	f := audiencesFilter(g.q, websites, errs)
	if len(errs) > 0 {
		return s.exportRefused(c, g, errs)
	}
	list, n, err := exportRows(func(page, perPage int) ([]audiences.GridRow, int64, error) {
		f.Page, f.PerPage = page, perPage
		res, err := s.deps.Audiences.Grid(ctx, f)
		return res.Rows, res.Matched, err
	})
	if err != nil {
		return err
	}
	names := func(us []audiences.GridUse) string {
		out := make([]string, len(us))
		for i, u := range us {
			out[i] = u.Name
		}
		return strings.Join(out, ", ")
	}
	rows := make([]map[string]string, len(list))
	for i, r := range list {
		rows[i] = map[string]string{audiences.SortName: r.Name, "cdp_id": r.CDPID, audiences.SortOrigin: audiences.OriginLabel(r.Origin),
			audiences.SortWebsites: strings.Join(r.Websites, ", "), audiences.SortBlocks: names(r.Blocks), audiences.SortRules: names(r.Rules),
			audiences.SortStatus: statusLabel(r.Status)}
		if r.UpstreamUpdatedAt != nil {
			rows[i][audiences.SortModified] = r.UpstreamUpdatedAt.UTC().Format(time.RFC3339)
		}
	}
	return writeGridCSV(c, g, rows, n)
}

func (s *Server) audiencesList(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := s.grid(c, audiencesGrid)
	if err != nil {
		return err
	}
	q := g.q
	v := aview.ListView{Base: s.base(c, "Real-Time CDP Audiences", layout.NavAudiences), Errors: map[string]string{},
		Website: q.Get("website"), From: q.Get("from"), To: q.Get("to")}
	configured, err := s.deps.Syncer.Configured(ctx)
	if err != nil {
		return err
	}
	v.Configured = configured
	websites, err := s.deps.Stores.Websites(ctx)
	if err != nil {
		return err
	}
	f := audiencesFilter(q, websites, v.Errors)
	f.PerPage = g.perPage
	v.Search, v.Origin, v.Status = f.Search, f.Origin, f.Status
	for _, w := range websites {
		v.Websites = append(v.Websites, aview.Option{Value: w.Code, Label: w.Name, Selected: w.Code == v.Website})
	}
	f.Page = pageParam(q)
	origins, err := s.deps.Audiences.Origins(ctx)
	if err != nil {
		return err
	}
	for _, o := range origins {
		v.Origins = append(v.Origins, aview.Option{Value: o, Label: audiences.OriginLabel(o), Selected: o == v.Origin})
	}
	for _, st := range []audiences.Status{audiences.StatusActive, audiences.StatusInactive, audiences.StatusGone} {
		v.Statuses = append(v.Statuses, aview.Option{Value: string(st), Label: audiences.StatusLabels[st], Selected: string(st) == v.Status})
	}
	res, err := s.deps.Audiences.Grid(ctx, f)
	if err != nil {
		return err
	}
	v.Total = res.Total
	if v.Sync, err = s.syncView(ctx, c); err != nil {
		return err
	}
	// URLs keep every filter; sort links flip the direction of the active column.
	link := g.link
	for _, col := range audiencesGrid.columns {
		if col.csvOnly || !g.show(col.key) {
			continue
		}
		c := aview.Column{Key: col.key, Label: col.label, Active: col.key == f.Sort, Desc: col.key == f.Sort && f.Desc}
		dir := ""
		if c.Active && !f.Desc {
			dir = "desc"
		}
		c.SortURL = link(map[string]string{"sort": col.key, "dir": dir, "page": ""})
		v.Columns = append(v.Columns, c)
	}
	for _, r := range res.Rows {
		row := aview.Row{ID: r.ID, Href: fmt.Sprintf("/admin/audiences/%d", r.ID), Name: r.Name, CDPID: r.CDPID,
			Origin: audiences.OriginLabel(r.Origin), Websites: strings.Join(r.Websites, ", "), Status: statusLabel(r.Status),
			StatusClass: statusClass(r.Status), Warning: usageWarning(r.Status, len(r.Rules), len(r.Blocks))}
		if row.Websites == "" {
			row.Websites = "—"
		}
		if r.UpstreamUpdatedAt != nil {
			row.Modified = formatTime(*r.UpstreamUpdatedAt)
		}
		for _, u := range r.Rules {
			row.Rules = append(row.Rules, aview.Link{Label: u.Name, Href: fmt.Sprintf("/admin/price-rules/%d/edit", u.ID)})
		}
		for _, u := range r.Blocks {
			row.Blocks = append(row.Blocks, aview.Link{Label: u.Name, Href: fmt.Sprintf("/admin/dynamic-blocks/%d/edit", u.ID)})
		}
		v.Rows = append(v.Rows, row)
	}
	v.Pager = g.pager(f.Page, res.Matched, res.Total, "audiences")
	v.Tools = g.tools(v.CSRF)
	if f.Page > v.Pager.Pages() {
		return c.Redirect(http.StatusSeeOther, link(map[string]string{"page": strconv.Itoa(v.Pager.Pages())}))
	}
	v.GridURL = link(nil)
	status := http.StatusOK
	if len(v.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return render(c, status, aview.List(v))
}

func (s *Server) audienceDetail(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := idParam(c)
	if err != nil {
		return err
	}
	a, siteIDs, err := s.deps.Audiences.Get(ctx, id)
	if err != nil {
		return err
	}
	uses, err := s.deps.Audiences.UsageOf(ctx, id)
	if err != nil {
		return err
	}
	v := aview.DetailView{Base: s.base(c, "Audience: "+a.Name, layout.NavAudiences), Name: a.Name, CDPID: a.CDPID,
		Description: a.Description, Origin: audiences.OriginLabel(a.Origin), Status: statusLabel(string(a.Status)),
		StatusClass: statusClass(string(a.Status)), Synced: formatTime(a.SyncedAt), Lifecycle: a.LifecycleState, Modified: "—"}
	if a.UpstreamUpdatedAt != nil {
		v.Modified = formatTime(*a.UpstreamUpdatedAt)
	}
	websites, err := s.deps.Stores.Websites(ctx)
	if err != nil {
		return err
	}
	var names []string
	for _, w := range websites {
		for _, sid := range siteIDs {
			if sid == w.ID {
				names = append(names, w.Name)
			}
		}
	}
	v.Websites = strings.Join(names, ", ")
	ruleNames, listed := map[int64]string{}, map[int64]bool{}
	for _, u := range uses {
		if u.Kind == "rule" {
			ruleNames[u.EntityID] = u.EntityName
			v.Rules = append(v.Rules, aview.Link{Label: u.EntityName, Href: fmt.Sprintf("/admin/price-rules/%d/edit", u.EntityID)})
		} else {
			listed[u.EntityID] = true
			v.Blocks = append(v.Blocks, aview.Link{Label: u.EntityName, Href: fmt.Sprintf("/admin/dynamic-blocks/%d/edit", u.EntityID)})
		}
	}
	named := len(v.Blocks)
	// Blocks related to those rules reach the audience too: rule-related placements show
	// them when the rule applies.
	if len(ruleNames) > 0 {
		blocks, err := s.deps.Blocks.Blocks(ctx)
		if err != nil {
			return err
		}
		for _, b := range blocks {
			for _, r := range b.RuleIDs {
				if name, ok := ruleNames[r]; ok && !listed[b.ID] {
					listed[b.ID] = true
					v.Blocks = append(v.Blocks, aview.Link{Label: b.Name + " (with the rule “" + name + "”)", Href: fmt.Sprintf("/admin/dynamic-blocks/%d/edit", b.ID)})
				}
			}
		}
	}
	v.Warning = usageWarning(string(a.Status), len(v.Rules), named)
	return render(c, http.StatusOK, aview.Detail(v))
}

// audiencesSync is "Sync now": it starts the sync in the background and answers at once.
// With htmx the answer is the status box, which polls until the sync ends; without
// JavaScript it redirects to the audiences page, which shows the progress and reloads
// itself while the sync runs.
func (s *Server) audiencesSync(c echo.Context) error {
	ctx := c.Request().Context()
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
	err := s.deps.Syncer.Start(bg, audiences.TriggerManual, func(audiences.SyncRun, error) { cancel() })
	if err != nil {
		cancel()
		if !errors.Is(err, audiences.ErrSyncRunning) {
			return err
		}
	}
	if c.Request().Header.Get("HX-Request") == "" {
		if errors.Is(err, audiences.ErrSyncRunning) {
			return s.redirectWithFlash(c, "/admin/audiences", flashInfo, "A sync is already running; the list updates when it ends.")
		}
		return s.redirectWithFlash(c, "/admin/audiences", flashInfo, "The sync started: this page shows its progress and the outcome.")
	}
	v, err := s.syncView(ctx, c)
	if err != nil {
		return err
	}
	v.Running = true
	if v.Started == "" {
		v.Started = s.deps.Now().UTC().Format("3:04:05 PM") + " UTC"
	}
	return render(c, http.StatusOK, aview.SyncStatus(v))
}

func syncResult(r audiences.SyncRun) string { return "Sync finished: " + syncCounts(r) + "." }

func syncCounts(r audiences.SyncRun) string {
	return fmt.Sprintf("%d added, %d updated, %d deactivated (the CDP sandbox has %d audiences; those activated to the store are listed)", r.Added, r.Updated, r.Deactivated, r.Total)
}

// audiencesSyncStatus is polled while a sync runs; when it ends it tells the grid to reload.
func (s *Server) audiencesSyncStatus(c echo.Context) error {
	ctx := c.Request().Context()
	v, err := s.syncView(ctx, c)
	if err != nil {
		return err
	}
	if !v.Running && c.QueryParam("was") == "running" {
		if runs, err := s.deps.Syncer.LatestRuns(ctx, 1); err == nil && len(runs) == 1 && runs[0].Status == audiences.RunSucceeded {
			v.Result = syncResult(runs[0])
		}
		c.Response().Header().Set("HX-Trigger", "audiences-synced")
	}
	return render(c, http.StatusOK, aview.SyncStatus(v))
}

const chooserPerPage = 10

// audiencesChooser renders the chooser grid for a page and search, keeping the chosen ids.
func (s *Server) audiencesChooser(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	field := q.Get("field")
	if field == "" || len(field) > 64 || strings.ContainsAny(field, "\"'<>&: ") {
		field = "audience_ids"
	}
	page := pageParam(q)
	search := q.Get("chooser_q:" + field)
	if search == "" {
		search = q.Get("chooser_q")
	}
	v, err := s.chooserView(ctx, field, validation.Clean(search, 255), page, q[field])
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, aview.Chooser(v))
}

// chooserView builds the chooser for editors: page of audiences matching search, with the
// chosen ids checked or carried as hidden inputs.
func (s *Server) chooserView(ctx context.Context, field, search string, page int, chosen []string) (aview.ChooserView, error) {
	page = min(max(page, 1), maxGridPage)
	v := aview.ChooserView{Field: field, Search: search, Endpoint: "/admin/audiences/chooser", Empty: "No audiences match."}
	selected := map[int64]bool{}
	for _, id := range chosen {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
			selected[n] = true
		}
	}
	websites, err := s.deps.Stores.Websites(ctx)
	if err != nil {
		return v, err
	}
	res, err := s.deps.Audiences.Grid(ctx, audiences.GridFilter{Websites: gridWebsites(websites), Search: search, Sort: audiences.SortName, Page: page, PerPage: chooserPerPage})
	if err != nil {
		return v, err
	}
	if res.Total == 0 {
		v.Empty = "No audiences yet: sync them from Real-Time CDP in Customers › Real-Time CDP Audiences."
	}
	onPage := map[int64]bool{}
	for _, r := range res.Rows {
		row := aview.ChooserRow{ID: r.ID, CDPID: r.CDPID, Name: r.Name, Description: r.Description,
			Source: audiences.OriginLabel(r.Origin), Websites: strings.Join(r.Websites, ", "), Checked: selected[r.ID]}
		if r.Status != string(audiences.StatusActive) {
			row.Status = statusLabel(r.Status)
		}
		onPage[r.ID] = true
		v.Rows = append(v.Rows, row)
	}
	ids := make([]int64, 0, len(selected))
	for id := range selected {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	// The chosen audiences by name, and those not on this page as ticked boxes of their
	// own, so they can be unticked without paging to them (one query for all).
	picked, err := s.deps.Audiences.ByIDs(ctx, ids)
	if err != nil {
		return v, err
	}
	for _, a := range picked {
		v.Chosen = append(v.Chosen, a.Name)
		if !onPage[a.ID] {
			v.Elsewhere = append(v.Elsewhere, aview.ChooserRow{ID: a.ID, Name: a.Name, CDPID: a.CDPID, Checked: true})
		}
	}
	v.Pager = components.PagerView{Page: page, PerPage: chooserPerPage, Total: res.Matched}
	return v, nil
}

// testConnectionTimeout bounds Test connection: the merchant waits for it.
const testConnectionTimeout = 10 * time.Second

// servicesTestConnection walks the sync's own path with the saved configuration and shows
// each step: the report alone for htmx, else the Services page with it.
func (s *Server) servicesTestConnection(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), testConnectionTimeout)
	defer cancel()
	report := s.deps.Syncer.TestConnection(ctx)
	view := connectionReportView(report)
	if c.Request().Header.Get("HX-Request") != "" {
		return render(c, http.StatusOK, cfgview.TestConnectionReport(view))
	}
	return s.renderServices(c, http.StatusOK, config.Default, nil, servicesExtras{report: &view})
}

// connectionReportView words a Test connection report for the page.
func connectionReportView(r audiences.ConnectionReport) cfgview.ReportView {
	v := cfgview.ReportView{OK: r.OK(), Summary: "The connection works: the sync can read everything it needs."}
	if !v.OK {
		v.Summary = "The connection does not work yet: see the step that failed."
	}
	for _, st := range r.Steps {
		sv := cfgview.StepView{Name: st.Name, Detail: st.Detail, Status: "ok", Label: "OK"}
		switch {
		case st.Skipped:
			sv.Status, sv.Label = "skipped", "Not checked"
		case !st.OK:
			sv.Status, sv.Label = "failed", "Failed"
		}
		v.Steps = append(v.Steps, sv)
	}
	for _, w := range r.Websites {
		row := cfgview.WebsiteRow{Website: w.Website, Datastream: w.Datastream, Connections: strings.Join(w.Connections, ", ")}
		switch {
		case len(w.Connections) == 0:
			row.Problem = "No Adobe Commerce destination connection sends to this datastream."
		case w.Audiences == 0:
			row.Audiences = "none"
			row.Problem = "No enabled dataflow activates an audience to it."
		default:
			row.Audiences = strconv.Itoa(w.Audiences)
		}
		if len(w.DisabledFlows) > 0 {
			row.Problem = strings.TrimSpace(row.Problem + " Disabled dataflow(s): " + strings.Join(w.DisabledFlows, ", ") + ".")
		}
		v.Websites = append(v.Websites, row)
	}
	return v
}
