package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"audienceactivation/internal/auth"
	"audienceactivation/internal/throttle"
)

const (
	ctxRequestID = "request_id"
	ctxAdmin     = "admin"
	// MaxBodyBytes is the largest request body accepted.
	MaxBodyBytes = 1 << 20
	// RequestTimeout bounds the work a request may do.
	RequestTimeout = 30 * time.Second
)

var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID takes a well-formed X-Request-ID from the client or makes one, and echoes it.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !requestIDRe.MatchString(id) {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(ctxRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		// Sign-ins (admin, storefront, GraphQL) are limited per client address: the
		// domain reads it from the context. Only POSTs sign in, so GETs skip the copy.
		if req := c.Request(); req.Method == http.MethodPost {
			c.SetRequest(req.WithContext(throttle.WithClientAddr(req.Context(), c.RealIP())))
		}
		return next(c)
	}
}

func requestIDOf(c echo.Context) string {
	id, _ := c.Get(ctxRequestID).(string)
	return id
}

// recoverPanic turns a panic into an error for the error handler, logging the stack.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.deps.Logger.Error("panic", "request_id", requestIDOf(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// logRequests writes one structured line per request, after the error handler has run so
// that the status is the one the client got.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		req := c.Request()
		s.metrics.observe(c, time.Since(start))
		attrs := []any{"request_id", requestIDOf(c), "method", req.Method, "path", req.URL.Path,
			"status", c.Response().Status, "duration_ms", float64(time.Since(start).Microseconds()) / 1000,
			"bytes", c.Response().Size, "remote", c.RealIP()}
		if u, ok := c.Get(ctxAdmin).(auth.User); ok {
			attrs = append(attrs, "admin", u.Username)
		}
		level := slog.LevelInfo
		if c.Response().Status >= 500 {
			level = slog.LevelError
		}
		s.deps.Logger.Log(req.Context(), level, "request", attrs...)
		return nil
	}
}

// contentSecurityPolicy allows only the application's own scripts and styles: no inline
// script, no eval, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if c.Scheme() == "https" {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

// bodyLimit refuses bodies over MaxBodyBytes with 413. Outside the admin, url-encoded
// forms are parsed here, so that a too-large body without a Content-Length is reported as
// such rather than surfacing later as a missing CSRF token; multipart bodies are never
// parsed there (nothing outside the admin takes files). Admin bodies are parsed only after
// sign-in and the CSRF check (adminCSRF), and a signed-out admin page takes small bodies
// only (anonymousBodyLimit).
func (s *Server) bodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	parse := func(c echo.Context) error {
		req := c.Request()
		if req.Method == http.MethodPost && !strings.HasPrefix(req.URL.Path, "/admin") {
			ct := req.Header.Get(echo.HeaderContentType)
			switch {
			case strings.HasPrefix(ct, echo.MIMEApplicationForm):
				if err := formError(req.ParseForm()); err != nil {
					return err
				}
			case strings.HasPrefix(ct, echo.MIMEMultipartForm):
				return echo.ErrUnsupportedMediaType
			}
		}
		return next(c)
	}
	small := middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "1M"})(parse)
	// Rule imports are files of up to 8 MiB (pricerules.MaxImportSize), in a form.
	large := middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "9M"})(parse)
	// The reference storefront's forms are anonymous and short (a quantity, a code, an
	// email and password): 64 KiB is plenty.
	store := middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "64K"})(parse)
	return func(c echo.Context) error {
		switch p := c.Request().URL.Path; {
		case p == "/admin/price-rules/import":
			return large(c)
		case p == "/store" || strings.HasPrefix(p, "/store/"):
			return store(c)
		}
		return small(c)
	}
}

// anonymousBodyLimit keeps the bodies of signed-out admin pages small (16 KiB) and refuses multipart
// bodies there: nobody signed out uploads files.
func anonymousBodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	limited := middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "16K"})(next)
	return func(c echo.Context) error {
		if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
			return echo.ErrUnsupportedMediaType
		}
		return limited(c)
	}
}

func (s *Server) timeout(next echo.HandlerFunc) echo.HandlerFunc {
	return middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: RequestTimeout})(next)
}

// errCSRF is the error for a state-changing request without a valid CSRF token.
var errCSRF = echo.NewHTTPError(http.StatusForbidden, "csrf")

// requireAdmin lets signed-in administrators through; others are sent to sign in (GET) or
// refused (anything else). An idle or revoked session ends here.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		st, err := s.sessions.load(c)
		if err != nil {
			return err
		}
		if st.expired {
			s.sessions.end(c, flashInfo, fmt.Sprintf("You were signed out after %s without activity. Sign in again to continue.", humanDuration(s.deps.Settings.SessionIdle)))
			return s.toSignIn(c)
		}
		if st.userID == 0 {
			return s.toSignIn(c)
		}
		if !st.secondFactor && !s.deps.Settings.TwoFactorOff {
			// Begun while two-factor sign-in was switched off: sign in again, with a code.
			s.sessions.end(c, flashInfo, "Two-factor sign-in is now required. Sign in again to continue.")
			return s.toSignIn(c)
		}
		u, err := s.deps.Auth.Session(c.Request().Context(), st.userID, st.version)
		if err != nil {
			if err == auth.ErrNotFound {
				s.sessions.end(c, flashInfo, "Your session has ended. Sign in again to continue.")
				return s.toSignIn(c)
			}
			return err
		}
		c.Set(ctxAdmin, u)
		if err := s.sessions.touch(c); err != nil {
			return err
		}
		return next(c)
	}
}

var errSignInFirst = echo.NewHTTPError(http.StatusForbidden, "sign in first")

func (s *Server) toSignIn(c echo.Context) error {
	if c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead {
		return errSignInFirst
	}
	target := "/admin/login"
	if p := c.Request().URL.RequestURI(); p != "/admin" && p != "/admin/" {
		target += "?next=" + url.QueryEscape(p)
	}
	if c.Request().Header.Get("HX-Request") != "" {
		c.Response().Header().Set("HX-Redirect", target)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

func humanDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		h := int(d / time.Hour)
		if h == 1 {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", h)
	}
	return fmt.Sprintf("%d minutes", int(d/time.Minute))
}

// currentAdmin is the signed-in admin user set by requireAdmin.
func currentAdmin(c echo.Context) auth.User {
	u, _ := c.Get(ctxAdmin).(auth.User)
	return u
}
