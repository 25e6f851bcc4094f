package web

import (
	"net/url"
	"time"
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

// dateRange reads a grid's from/to date filters (YYYY-MM-DD, both inclusive) into a
// half-open range, adding messages to errs for dates that do not parse or are reversed.
func dateRange(from, to string, errs map[string]string) (start, end time.Time) {
	if from != "" {
		if t, err := time.Parse("2006-01-02", from); err == nil {
			start = t
		} else {
			errs["from"] = "Use a date such as 2026-11-28."
		}
	}
	if to != "" {
		if t, err := time.Parse("2006-01-02", to); err == nil {
			end = t.AddDate(0, 0, 1)
		} else {
			errs["to"] = "Use a date such as 2026-11-28."
		}
	}
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		errs["to"] = "The end date is before the start date."
		end = time.Time{}
	}
	return start, end
}
