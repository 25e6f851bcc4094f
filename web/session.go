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
	return sessionState{userID: uid, version: ver}, nil
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
func (m *sessionManager) signIn(c echo.Context, u auth.User) error {
	sess := m.get(c)
	sess.Values = map[any]any{}
	sess.IsNew = true
	now := m.now().Unix()
	sess.Values["uid"] = u.ID
	sess.Values["ver"] = u.SessionVersion
	sess.Values["started"] = now
	sess.Values["seen"] = now
	return m.save(c, sess)
}

// end clears the session, leaving one flash message for the sign-in page.
func (m *sessionManager) end(c echo.Context, kind, msg string) {
	sess := m.get(c)
	sess.Values = map[any]any{}
	if msg != "" {
		sess.AddFlash(kind + "|" + msg)
	}
	_ = m.save(c, sess)
}

func (m *sessionManager) addFlash(c echo.Context, kind, msg string) error {
	sess := m.get(c)
	sess.AddFlash(kind + "|" + msg)
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
