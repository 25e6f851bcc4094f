package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"audienceactivation/internal/auth"
	"audienceactivation/internal/config"
	"audienceactivation/templates/layout"
)

const (
	sessionCookie = "aa_admin"
	// sessionMaxAge is the absolute lifetime of a sign-in, whatever the activity.
	sessionMaxAge = 12 * time.Hour
	flashSuccess  = "success"
	flashError    = "error"
	flashInfo     = "info"
)

// sessionManager keeps admin sessions in signed and encrypted cookies, so any instance can
// serve any request and nothing is stored server-side. A session records the user, the
// user's session version (bumped to revoke sessions), the sign-in time and the last activity.
type sessionManager struct {
	store *sessions.CookieStore
	idle  time.Duration
	now   func() time.Time
}

func newSessionManager(master []byte, idle time.Duration, now func() time.Time) *sessionManager {
	st := sessions.NewCookieStore(config.DeriveKey(master, "session-hash"), config.DeriveKey(master, "session-block"))
	st.Options = &sessions.Options{Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: int(sessionMaxAge / time.Second)}
	st.MaxAge(int(sessionMaxAge / time.Second))
	if idle == 0 {
		idle = 30 * time.Minute
	}
	return &sessionManager{store: st, idle: idle, now: now}
}

type sessionState struct {
	userID  int64
	version int
	expired bool
	// secondFactor: the sign-in passed two-factor sign-in (not the --no-2fa switch).
	secondFactor bool
}

func (m *sessionManager) get(c echo.Context) *sessions.Session {
	// A cookie that does not decode (an old key, tampering) yields a fresh session.
	sess, _ := m.store.Get(c.Request(), sessionCookie)
	sess.Options.Secure = c.Scheme() == "https"
	return sess
}

func (m *sessionManager) save(c echo.Context, sess *sessions.Session) error {
	return sess.Save(c.Request(), c.Response())
}

func (m *sessionManager) load(c echo.Context) (sessionState, error) {
	sess := m.get(c)
	uid, _ := sess.Values["uid"].(int64)
	ver, _ := sess.Values["ver"].(int)
	seen, _ := sess.Values["seen"].(int64)
	started, _ := sess.Values["started"].(int64)
	if uid == 0 {
		return sessionState{}, nil
	}
	now := m.now()
	if now.Sub(time.Unix(seen, 0)) > m.idle || now.Sub(time.Unix(started, 0)) > sessionMaxAge {
		return sessionState{expired: true}, nil
	}
	mfa, _ := sess.Values["2fa"].(bool)
	return sessionState{userID: uid, version: ver, secondFactor: mfa}, nil
}

// touch records activity, at most once a minute so that most responses set no cookie.
func (m *sessionManager) touch(c echo.Context) error {
	sess := m.get(c)
	seen, _ := sess.Values["seen"].(int64)
	if now := m.now().Unix(); now-seen >= 60 {
		sess.Values["seen"] = now
		return m.save(c, sess)
	}
	return nil
}

// signIn starts a brand-new session for u: nothing from the signed-out session carries over.
// secondFactor records that the sign-in passed two-factor sign-in, which a server that
// enforces it requires of every session (one begun under --no-2fa ends there).
func (m *sessionManager) signIn(c echo.Context, u auth.User, secondFactor bool) error {
	sess := m.get(c)
	sess.Values = map[any]any{}
	sess.IsNew = true
	now := m.now().Unix()
	sess.Values["uid"] = u.ID
	sess.Values["ver"] = u.SessionVersion
	sess.Values["started"] = now
	sess.Values["seen"] = now
	sess.Values["2fa"] = secondFactor
	// A new CSRF token: one seen before signing in is worthless after.
	tok := newCSRFToken()
	sess.Values[csrfSessionKey] = tok
	c.Set("csrf", tok)
	return m.save(c, sess)
}

// pendingMaxAge is how long a right password waits for its second factor.
const pendingMaxAge = 5 * time.Minute

// beginSecondFactor replaces the session with one that records a right password for u,
// waiting for the second factor: it grants nothing else. The CSRF token is renewed here too.
func (m *sessionManager) beginSecondFactor(c echo.Context, u auth.User, next string) error {
	sess := m.get(c)
	sess.Values = map[any]any{}
	sess.IsNew = true
	sess.Values["pending_uid"] = u.ID
	sess.Values["pending_ver"] = u.SessionVersion
	sess.Values["pending_at"] = m.now().Unix()
	sess.Values["pending_next"] = next
	tok := newCSRFToken()
	sess.Values[csrfSessionKey] = tok
	c.Set("csrf", tok)
	return m.save(c, sess)
}

// pendingSecondFactor is the user whose password was right within pendingMaxAge, still
// waiting for the second factor, and where to go after.
func (m *sessionManager) pendingSecondFactor(c echo.Context) (uid int64, version int, next string, ok bool) {
	sess := m.get(c)
	uid, _ = sess.Values["pending_uid"].(int64)
	version, _ = sess.Values["pending_ver"].(int)
	at, _ := sess.Values["pending_at"].(int64)
	next, _ = sess.Values["pending_next"].(string)
	if uid == 0 || m.now().Sub(time.Unix(at, 0)) > pendingMaxAge {
		return 0, 0, "", false
	}
	return uid, version, next, true
}

// storedCSRF is the session's CSRF token, or "" when it has none.
func (m *sessionManager) storedCSRF(c echo.Context) string {
	tok, _ := m.get(c).Values[csrfSessionKey].(string)
	return tok
}

// csrfToken is the session's CSRF token, made (and the cookie set) when it has none yet.
func (m *sessionManager) csrfToken(c echo.Context) (string, error) {
	sess := m.get(c)
	if tok, _ := sess.Values[csrfSessionKey].(string); tok != "" {
		return tok, nil
	}
	tok := newCSRFToken()
	sess.Values[csrfSessionKey] = tok
	return tok, m.save(c, sess)
}

// end clears the session, leaving one flash message for the sign-in page.
func (m *sessionManager) end(c echo.Context, kind, msg string) {
	sess := m.get(c)
	sess.Values = map[any]any{}
	// Sign-out also rotates the CSRF token.
	tok := newCSRFToken()
	sess.Values[csrfSessionKey] = tok
	c.Set("csrf", tok)
	if msg != "" {
		sess.AddFlash(kind + "|" + shortenFlash(msg))
	}
	_ = m.save(c, sess)
}

// maxFlashBytes bounds one flash message: the session cookie holds at most 4 KB encoded,
// the session itself and the encryption take some, and a message past this is shortened
// rather than failing the save that it reports.
const maxFlashBytes = 1200

func shortenFlash(msg string) string {
	if len(msg) <= maxFlashBytes {
		return msg
	}
	return truncate(msg, maxFlashBytes-len("…")) + "…"
}

func (m *sessionManager) addFlash(c echo.Context, kind, msg string) error {
	sess := m.get(c)
	sess.AddFlash(kind + "|" + shortenFlash(msg))
	err := m.save(c, sess)
	if err == nil {
		return nil
	}
	// Several messages together still too large for the cookie: keep the newest alone,
	// shorter. The change it reports is saved already; the message must not turn it into
	// an error page.
	sess.Flashes()
	sess.AddFlash(kind + "|" + truncate(msg, 300) + "…")
	return m.save(c, sess)
}

// flashes pops the pending messages.
func (m *sessionManager) flashes(c echo.Context) []layout.Flash {
	sess := m.get(c)
	raw := sess.Flashes()
	if len(raw) == 0 {
		return nil
	}
	_ = m.save(c, sess)
	out := make([]layout.Flash, 0, len(raw))
	for _, r := range raw {
		s, _ := r.(string)
		kind, msg, ok := strings.Cut(s, "|")
		if ok {
			out = append(out, layout.Flash{Kind: kind, Message: msg})
		}
	}
	return out
}
