package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/config"
	"audienceactivation/internal/validation"
	"audienceactivation/templates/actionlog"
	"audienceactivation/templates/components"
	"audienceactivation/templates/layout"
)

const actionLogPerPage = 50

func actionLabel(a string) string {
	if l, ok := audit.ActionLabels[a]; ok {
		return l
	}
	return a
}

func (s *Server) actionLogList(c echo.Context) error {
	q := c.QueryParams()
	v := actionlog.ListView{Base: s.base(c, "Action Log", layout.NavActionLog), Actor: validation.Clean(q.Get("actor"), 64),
		Action: q.Get("action"), From: q.Get("from"), To: q.Get("to"), Errors: map[string]string{}}
	f := audit.Filter{Actor: v.Actor, PerPage: actionLogPerPage}
	if _, ok := audit.ActionLabels[v.Action]; ok {
		f.Action = v.Action
	} else {
		v.Action = ""
	}
	f.From, f.To = dateRange(v.From, v.To, v.Errors)
	page := pageParam(q)
	f.Page = page
	res, err := s.deps.Audit.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	for _, e := range res.Entries {
		v.Rows = append(v.Rows, actionlog.Row{ID: e.ID, When: formatTime(e.At), Actor: e.Actor, Address: e.RemoteAddr,
			Action: actionLabel(e.Action), Summary: e.Summary, Href: fmt.Sprintf("/admin/action-log/%d", e.ID)})
	}
	keys := make([]string, 0, len(audit.ActionLabels))
	for k := range audit.ActionLabels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v.Actions = append(v.Actions, actionlog.Option{Value: k, Label: audit.ActionLabels[k]})
	}
	v.Pager = components.PagerView{Page: page, PerPage: actionLogPerPage, Total: res.Total}
	link := gridLinker("/admin/action-log", q, "actor", "action", "from", "to")
	pageURL := func(p int) string { return link(map[string]string{"page": strconv.Itoa(p)}) }
	if page > v.Pager.Pages() {
		return c.Redirect(http.StatusSeeOther, pageURL(v.Pager.Pages()))
	}
	if page > 1 {
		v.Pager.PrevURL = pageURL(page - 1)
	}
	if page < v.Pager.Pages() {
		v.Pager.NextURL = pageURL(page + 1)
	}
	status := http.StatusOK
	if len(v.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return render(c, status, actionlog.List(v))
}

func (s *Server) actionLogDetail(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	e, err := s.deps.Audit.Get(c.Request().Context(), id)
	if err != nil {
		return err // audit.ErrNotFound is the 404 page; anything else, a 500
	}
	v := actionlog.DetailView{Base: s.base(c, "Action Log Entry", layout.NavActionLog), When: formatTime(e.At), Actor: e.Actor,
		Address: e.RemoteAddr, Action: actionLabel(e.Action), Summary: e.Summary, RequestID: e.RequestID}
	if e.EntityType != "" {
		v.Entity = e.EntityType + " " + e.EntityID
	}
	before, after := map[string]string{}, map[string]string{}
	_ = json.Unmarshal([]byte(e.BeforeData), &before)
	_ = json.Unmarshal([]byte(e.AfterData), &after)
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if before[k] == after[k] {
			continue
		}
		field := k
		if e.EntityType == "config" {
			if title, ok := config.FieldTitle(k); ok {
				field = title
			}
		}
		v.Changes = append(v.Changes, actionlog.Change{Field: field, Before: orDash(before[k]), After: orDash(after[k])})
	}
	return render(c, http.StatusOK, actionlog.Detail(v))
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
