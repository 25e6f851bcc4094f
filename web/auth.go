package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/validation"
	authview "audienceactivation/templates/auth"
)

// safeNext keeps a post-sign-in redirect inside the admin.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/admin") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") && next != "/admin/login" && !strings.HasPrefix(next, "/admin/login/") && !strings.HasPrefix(next, "/admin/login?") && !strings.HasPrefix(next, "/admin/logout") {
		return next
	}
	return "/admin"
}

func (s *Server) loginForm(c echo.Context) error {
	ctx := c.Request().Context()
	if st, err := s.sessions.load(c); err == nil && st.userID != 0 {
		if _, err := s.deps.Auth.Session(ctx, st.userID, st.version); err == nil {
			return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
		}
	}
	n, err := s.deps.Auth.Count(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return render(c, http.StatusOK, authview.FirstRun(authview.FirstRunView{
			Base:    s.base(c, "First run", ""),
			Command: s.deps.CreateUserCommand + " --username admin --email you@example.com",
		}))
	}
	return render(c, http.StatusOK, authview.Login(authview.LoginView{Base: s.base(c, "Sign in", ""), Next: safeNext(c.QueryParam("next")), TwoFactorOff: s.deps.Settings.TwoFactorOff}))
}

func (s *Server) login(c echo.Context) error {
	ctx := c.Request().Context()
	username := strings.TrimSpace(c.FormValue("username"))
	password := c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	view := authview.LoginView{Base: s.base(c, "Sign in", ""), Username: username, Next: next, TwoFactorOff: s.deps.Settings.TwoFactorOff}
	if username == "" || password == "" {
		view.Error = "Enter your username and password."
		return render(c, http.StatusUnprocessableEntity, authview.Login(view))
	}
	who := audit.Actor{Username: validation.Clean(username, 64), RemoteAddr: validation.Clean(c.RealIP(), 64), RequestID: requestIDOf(c)}
	u, err := s.deps.Auth.Authenticate(ctx, username, password, c.RealIP())
	var te *auth.ThrottledError
	switch {
	case errors.As(err, &te):
		_ = s.deps.Audit.Record(ctx, nil, who, audit.ActionSignInFailed, "admin_user", "", "Sign-in refused: too many failed attempts", nil, nil)
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(te.RetryAfter.Seconds())+1))
		view.Error = fmt.Sprintf("Too many failed sign-in attempts. For your security, sign-in is paused: try again in %d minute%s.", te.Minutes(), plural(te.Minutes()))
		return render(c, http.StatusTooManyRequests, authview.Login(view))
	case errors.Is(err, auth.ErrInvalidCredentials):
		summary := "Failed sign-in: wrong username or password"
		if errors.Is(err, auth.ErrInactive) {
			summary = "Failed sign-in: the account is inactive"
		}
		_ = s.deps.Audit.Record(ctx, nil, who, audit.ActionSignInFailed, "admin_user", "", summary, nil, nil)
		view.Error = "The username or password is not right. Check them and try again."
		return render(c, http.StatusUnprocessableEntity, authview.Login(view))
	case err != nil:
		return err
	}
	who.Username = u.Username
	if !s.deps.Settings.TwoFactorOff {
		// The password was right; the session grants nothing until the second factor is.
		if err := s.sessions.beginSecondFactor(c, u, next); err != nil {
			return err
		}
		if u.TwoFactorEnabled() {
			return c.Redirect(http.StatusSeeOther, "/admin/login/2fa")
		}
		return c.Redirect(http.StatusSeeOther, "/admin/login/2fa/setup")
	}
	if err := s.deps.Audit.Record(ctx, nil, who, audit.ActionSignIn, "admin_user", fmt.Sprint(u.ID), "Signed in without a second factor (--no-2fa)", nil, nil); err != nil {
		return err
	}
	if err := s.sessions.signIn(c, u, false); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logout(c echo.Context) error {
	u := currentAdmin(c)
	if err := s.deps.Audit.Record(c.Request().Context(), nil, actor(c), audit.ActionSignOut, "admin_user", fmt.Sprint(u.ID), "Signed out", nil, nil); err != nil {
		return err
	}
	// A copied session cookie must stop working too: end every session of this user.
	if err := s.deps.Auth.EndSessions(c.Request().Context(), u.ID); err != nil {
		return err
	}
	s.sessions.end(c, flashSuccess, "You have signed out.")
	return c.Redirect(http.StatusSeeOther, "/admin/login")
}

func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
