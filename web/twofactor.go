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

// The second sign-in step. A right password (auth.go's login) leaves a session that only
// records who is waiting for the second factor, for five minutes; these handlers finish the
// sign-in with a code or a recovery code, or enrol an admin who has no authenticator yet.

// pendingUser is the admin waiting for the second factor, or a redirect to the password form.
func (s *Server) pendingUser(c echo.Context) (auth.User, string, error) {
	uid, ver, next, ok := s.sessions.pendingSecondFactor(c)
	if !ok {
		return auth.User{}, "", errNoPending
	}
	u, err := s.deps.Auth.Session(c.Request().Context(), uid, ver)
	if errors.Is(err, auth.ErrNotFound) {
		return auth.User{}, "", errNoPending
	}
	return u, safeNext(next), err
}

// errNoPending sends the browser back to the password form.
var errNoPending = errors.New("no sign-in waiting for a second factor")

func (s *Server) restartSignIn(c echo.Context) error {
	if c.Request().Method != http.MethodGet {
		return errSignInFirst
	}
	if _, _, _, ok := s.sessions.pendingSecondFactor(c); !ok {
		if sess := s.sessions.get(c); sess.Values["pending_uid"] != nil {
			_ = s.sessions.addFlash(c, flashInfo, "The sign-in took more than 5 minutes. Enter your password again.")
		}
	}
	return c.Redirect(http.StatusSeeOther, "/admin/login")
}

func (s *Server) twoFactorForm(c echo.Context) error {
	u, _, err := s.pendingUser(c)
	if errors.Is(err, errNoPending) {
		return s.restartSignIn(c)
	} else if err != nil {
		return err
	}
	if !u.TwoFactorEnabled() {
		return c.Redirect(http.StatusSeeOther, "/admin/login/2fa/setup")
	}
	return render(c, http.StatusOK, authview.TwoFactor(authview.TwoFactorView{Base: s.base(c, "Two-factor sign-in", ""), Username: u.Username}))
}

func (s *Server) twoFactorVerify(c echo.Context) error {
	ctx := c.Request().Context()
	u, next, err := s.pendingUser(c)
	if errors.Is(err, errNoPending) {
		return s.restartSignIn(c)
	} else if err != nil {
		return err
	}
	who := audit.Actor{Username: u.Username, RemoteAddr: validation.Clean(c.RealIP(), 64), RequestID: requestIDOf(c)}
	view := authview.TwoFactorView{Base: s.base(c, "Two-factor sign-in", ""), Username: u.Username}
	usedRecovery, err := s.deps.Auth.VerifySecondFactor(ctx, who, u.ID, c.FormValue("code"))
	var te *auth.ThrottledError
	switch {
	case errors.As(err, &te):
		_ = s.deps.Audit.Record(ctx, nil, who, audit.ActionSignInFailed, "admin_user", fmt.Sprint(u.ID), "Two-factor sign-in refused: too many wrong codes", nil, nil)
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(te.RetryAfter.Seconds())+1))
		view.Error = fmt.Sprintf("Too many wrong codes. For your security, two-factor sign-in is paused: try again in %d minute%s.", te.Minutes(), plural(te.Minutes()))
		return render(c, http.StatusTooManyRequests, authview.TwoFactor(view))
	case errors.Is(err, auth.ErrWrongCode):
		_ = s.deps.Audit.Record(ctx, nil, who, audit.ActionSignInFailed, "admin_user", fmt.Sprint(u.ID), "Failed sign-in: wrong two-factor code", nil, nil)
		view.Error = "That code is not right, or was used already. Wait for the next code in your app and try again."
		return render(c, http.StatusUnprocessableEntity, authview.TwoFactor(view))
	case errors.Is(err, auth.ErrNotEnrolled):
		return c.Redirect(http.StatusSeeOther, "/admin/login/2fa/setup")
	case err != nil:
		return err
	}
	summary := "Signed in"
	if usedRecovery {
		summary = "Signed in with a recovery code"
	}
	if err := s.deps.Audit.Record(ctx, nil, who, audit.ActionSignIn, "admin_user", fmt.Sprint(u.ID), summary, nil, nil); err != nil {
		return err
	}
	if err := s.sessions.signIn(c, u, true); err != nil {
		return err
	}
	if usedRecovery {
		left, err := s.deps.Auth.RecoveryCodesLeft(ctx, u.ID)
		if err != nil {
			return err
		}
		msg := fmt.Sprintf("You signed in with a recovery code; %d unused code%s left. If you lost your authenticator, ask an administrator to reset your two-factor sign-in.", left, plural(int(left)))
		if err := s.sessions.addFlash(c, flashInfo, msg); err != nil {
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) twoFactorSetup(c echo.Context) error {
	u, _, err := s.pendingUser(c)
	if errors.Is(err, errNoPending) {
		return s.restartSignIn(c)
	} else if err != nil {
		return err
	}
	return s.renderSetup(c, u, http.StatusOK, "")
}

func (s *Server) renderSetup(c echo.Context, u auth.User, status int, msg string) error {
	if u.TwoFactorEnabled() {
		return c.Redirect(http.StatusSeeOther, "/admin/login/2fa")
	}
	e, err := s.deps.Auth.PendingEnrolment(c.Request().Context(), u.ID)
	if errors.Is(err, auth.ErrAlreadyEnrolled) {
		return c.Redirect(http.StatusSeeOther, "/admin/login/2fa")
	} else if err != nil {
		return err
	}
	// The key can be shared only with the person who just gave the right password: never cache it.
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return render(c, status, authview.TwoFactorSetup(authview.TwoFactorSetupView{Base: s.base(c, "Set up two-factor sign-in", ""),
		Username: u.Username, QR: e.QRDataURI(), Secret: groupKey(e.Secret), URI: e.URI, Error: msg}))
}

// groupKey writes a base32 key in groups of four, as authenticator apps accept it typed.
func groupKey(k string) string {
	var b strings.Builder
	for i, r := range k {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Server) twoFactorConfirm(c echo.Context) error {
	ctx := c.Request().Context()
	u, next, err := s.pendingUser(c)
	if errors.Is(err, errNoPending) {
		return s.restartSignIn(c)
	} else if err != nil {
		return err
	}
	who := audit.Actor{Username: u.Username, RemoteAddr: validation.Clean(c.RealIP(), 64), RequestID: requestIDOf(c)}
	codes, err := s.deps.Auth.ConfirmEnrolment(ctx, who, u.ID, c.FormValue("code"))
	var te *auth.ThrottledError
	switch {
	case errors.As(err, &te):
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(te.RetryAfter.Seconds())+1))
		return s.renderSetup(c, u, http.StatusTooManyRequests, fmt.Sprintf("Too many wrong codes: try again in %d minute%s.", te.Minutes(), plural(te.Minutes())))
	case errors.Is(err, auth.ErrWrongCode):
		return s.renderSetup(c, u, http.StatusUnprocessableEntity, "That code is not right. Check that the app's clock is right and enter the code it shows now.")
	case errors.Is(err, auth.ErrAlreadyEnrolled):
		return c.Redirect(http.StatusSeeOther, "/admin/login/2fa")
	case err != nil:
		return err
	}
	if err := s.deps.Audit.Record(ctx, nil, who, audit.ActionSignIn, "admin_user", fmt.Sprint(u.ID), "Signed in (two-factor sign-in set up)", nil, nil); err != nil {
		return err
	}
	if err := s.sessions.signIn(c, u, true); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return render(c, http.StatusOK, authview.RecoveryCodes(authview.RecoveryCodesView{Base: s.base(c, "Recovery codes", ""), Codes: codes, Next: next}))
}
