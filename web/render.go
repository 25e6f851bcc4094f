package web

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/validation"
	"audienceactivation/templates/layout"
)

// render writes a component with status. It renders into a buffer first, so a failing
// template becomes a clean 500 rather than half a page.
func render(c echo.Context, status int, comp templ.Component) error {
	var buf bytes.Buffer
	// Without cancel: the error handler renders after the request's timeout context ended.
	if err := comp.Render(context.WithoutCancel(c.Request().Context()), &buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	// A page rendered in answer to a boosted form post (a form shown again with its errors)
	// keeps the address of the page the form was on: the post's address has no page of its
	// own, so reloading it would show "not found".
	if c.Request().Method != http.MethodGet && c.Request().Header.Get("HX-Request") == "true" {
		c.Response().Header().Set("HX-Push-Url", "false")
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// base is the layout view for the current request: title, active navigation item, the
// signed-in admin, the CSRF token and any pending flash messages.
func (s *Server) base(c echo.Context, title, nav string) layout.Base {
	u := currentAdmin(c)
	b := layout.Base{Title: title, Nav: nav, AdminName: u.Username, Flashes: s.sessions.flashes(c)}
	if u.ID != 0 {
		b.AdminRole, b.NavAllowed = auth.RoleLabel(u.Role), navFor(u)
	}
	// The CSRF middleware put the token here: the session's in the admin.
	b.CSRF, _ = c.Get("csrf").(string)
	return b
}

// redirectWithFlash sends the browser to url (303) with a message for the next page.
func (s *Server) redirectWithFlash(c echo.Context, url, kind, msg string) error {
	if err := s.sessions.addFlash(c, kind, msg); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, url)
}

// actor identifies the current admin for the action log.
func actor(c echo.Context) audit.Actor {
	return audit.Actor{Username: currentAdmin(c).Username, RemoteAddr: validation.Clean(c.RealIP(), 64), RequestID: requestIDOf(c)}
}

// formatTime shows a time to admins, in UTC.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("Jan 2, 2006, 3:04 PM") + " UTC"
}
