package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/audit"
	"audienceactivation/templates/components"
)

// gridLinker builds a grid's links: they keep the current filters (keys of q) and apply
// changes, an empty value removing the key.
func gridLinker(base string, q url.Values, keys ...string) func(changes map[string]string) string {
	return func(changes map[string]string) string {
		u := url.Values{}
		for _, k := range keys {
			if val := q.Get(k); val != "" {
				u.Set(k, val)
			}
		}
		for k, val := range changes {
			if val == "" {
				u.Del(k)
			} else {
				u.Set(k, val)
			}
		}
		if e := u.Encode(); e != "" {
			return base + "?" + e
		}
		return base
	}
}

// maxGridPage bounds a grid's page number, so the offset it makes stays in range.
const maxGridPage = 1_000_000

// pageParam is the grid page a query asks for: 1 when absent or not a number, at most
// maxGridPage.
func pageParam(q url.Values) int {
	page, _ := strconv.Atoi(q.Get("page"))
	return min(max(page, 1), maxGridPage)
}

// withPageLinks sets a pager's previous and next links, keeping the grid's filters.
func withPageLinks(p components.PagerView, link func(changes map[string]string) string) components.PagerView {
	if p.Page > 1 {
		p.PrevURL = link(map[string]string{"page": strconv.Itoa(p.Page - 1)})
	}
	if p.Page < p.Pages() {
		p.NextURL = link(map[string]string{"page": strconv.Itoa(p.Page + 1)})
	}
	return p
}

// dateRange reads a grid's from/to date filters (YYYY-MM-DD, both inclusive) into a
// half-open range, adding messages to errs for dates that do not parse or are reversed.
func dateRange(from, to string, errs map[string]string) (start, end time.Time) {
	return dateRangeIn(from, to, time.UTC, errs)
}

// dateRangeIn is dateRange with the days read in loc (a store's timezone), so that an
// order placed in the evening counts on the store's day, not UTC's.
func dateRangeIn(from, to string, loc *time.Location, errs map[string]string) (start, end time.Time) {
	if from != "" {
		if t, err := time.ParseInLocation("2006-01-02", from, loc); err == nil {
			start = t
		} else {
			errs["from"] = "Use a date such as 2026-11-28."
		}
	}
	if to != "" {
		if t, err := time.ParseInLocation("2006-01-02", to, loc); err == nil {
			end = t.AddDate(0, 0, 1)
		} else {
			errs["to"] = "Use a date such as 2026-11-28."
		}
	}
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		errs["to"] = "The end date is before the start date."
		start, end = time.Time{}, time.Time{} // neither filters until both make sense
	}
	return start, end
}

// massGrid describes a grid's mass actions: switch the selected records on or off, or delete
// them (which needs the "I confirm" box).
type massGrid struct {
	base, noun, on, off string
	setOn               func(ctx context.Context, actor audit.Actor, ids []int64, on bool) (int, error)
	remove              func(ctx context.Context, actor audit.Actor, ids []int64) (int, error)
}

// massAction carries out a grid's mass action form and returns to the grid with the outcome.
func (s *Server) massAction(c echo.Context, g massGrid) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "bad form")
	}
	var ids []int64
	for _, v := range form["ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return s.redirectWithFlash(c, g.base, flashError, fmt.Sprintf("Select at least one %s first.", g.noun))
	}
	ctx := c.Request().Context()
	switch action := form.Get("mass"); action {
	case g.on, g.off:
		n, err := g.setOn(ctx, actor(c), ids, action == g.on)
		if err != nil {
			return err
		}
		return s.redirectWithFlash(c, g.base, flashSuccess, fmt.Sprintf("%d %s(s) %sd.", n, g.noun, action))
	case "delete":
		if form.Get("confirm") != "1" {
			return s.redirectWithFlash(c, g.base, flashError, fmt.Sprintf("Nothing was deleted: tick \"I confirm\" to delete the selected %ss.", g.noun))
		}
		n, err := g.remove(ctx, actor(c), ids)
		if err != nil {
			return err
		}
		return s.redirectWithFlash(c, g.base, flashSuccess, fmt.Sprintf("%d %s(s) deleted.", n, g.noun))
	}
	return s.redirectWithFlash(c, g.base, flashError, "Choose an action.")
}
