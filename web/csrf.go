package web

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// The admin's CSRF protection. The token is a random value kept inside the signed and
// encrypted session cookie, so it is bound to the session: a sibling origin that can plant
// cookies on our host (a cookie-tossing subdomain) cannot make a token we accept, because it
// cannot write a session cookie that decrypts. A new token is made at sign-in and at
// sign-out, so a token seen before signing in is worthless after. It is read from the
// X-CSRF-Token header or the form body, never from the query string (which ends up in logs,
// the history and Referer headers). Every unsafe request needs it, with or without
// Sec-Fetch-Site; a browser request that says it comes from another site is refused before
// anything else.

const (
	csrfSessionKey = "csrf"
	csrfField      = "_csrf"
	csrfHeader     = "X-CSRF-Token"
	// csrfFirstPartMax bounds what is read of a multipart body to find its token, which
	// our forms send as the first part.
	csrfFirstPartMax = 16 << 10
)

func newCSRFToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// adminCSRF checks the token of every unsafe admin request against the session's, and
// makes the session's token available to the page (c.Get("csrf")) on every request.
func (s *Server) adminCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		switch req.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			tok, err := s.sessions.csrfToken(c)
			if err != nil {
				return err
			}
			c.Set("csrf", tok)
			return next(c)
		}
		if site := req.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
			return errCSRF
		}
		want := s.sessions.storedCSRF(c)
		if want == "" {
			return errCSRF
		}
		// The header first; when it is missing or stale (htmx keeps the hx-headers of the
		// page it first loaded), the form's own field.
		if !sameToken(req.Header.Get(csrfHeader), want) {
			got, err := formCSRFToken(req)
			if err != nil {
				return err
			}
			if !sameToken(got, want) {
				return errCSRF
			}
		}
		c.Set("csrf", want)
		if err := parseFormBody(req); err != nil {
			return err
		}
		return next(c)
	}
}

func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// formCSRFToken reads the token from the form body, never the query string. For a
// multipart body only the first part is read (at most csrfFirstPartMax bytes) and the bytes
// read are put back, so that nothing else of a multipart body is parsed before the token
// is checked.
func formCSRFToken(req *http.Request) (string, error) {
	mt, params, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	switch mt {
	case echo.MIMEApplicationForm:
		if err := req.ParseForm(); err != nil {
			return "", formError(err)
		}
		return req.PostForm.Get(csrfField), nil
	case echo.MIMEMultipartForm:
		if params["boundary"] == "" {
			return "", echo.NewHTTPError(http.StatusBadRequest, "malformed form")
		}
		var seen bytes.Buffer
		mr := multipart.NewReader(io.TeeReader(io.LimitReader(req.Body, csrfFirstPartMax), &seen), params["boundary"])
		part, err := mr.NextPart()
		tok := ""
		if err == nil && part.FormName() == csrfField && part.FileName() == "" {
			b, _ := io.ReadAll(io.LimitReader(part, 256))
			tok = strings.TrimSpace(string(b))
		}
		req.Body = readCloser{io.MultiReader(bytes.NewReader(seen.Bytes()), req.Body), req.Body}
		return tok, nil
	}
	return "", nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// parseFormBody parses a form body once the request has passed the CSRF check, with the
// limits of bodyLimit already on the reader.
func parseFormBody(req *http.Request) error {
	mt, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	switch mt {
	case echo.MIMEApplicationForm:
		return formError(req.ParseForm())
	case echo.MIMEMultipartForm:
		return formError(req.ParseMultipartForm(10 << 20))
	}
	return nil
}

func formError(err error) error {
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mbe), errors.Is(err, echo.ErrStatusRequestEntityTooLarge), strings.Contains(err.Error(), "too large"):
		return echo.ErrStatusRequestEntityTooLarge
	}
	return echo.NewHTTPError(http.StatusBadRequest, "malformed form")
}

// The storefront has no server-side session for guests, so its token is a signed double
// submit: the aa_csrf cookie holds a random nonce and the token is the nonce's HMAC under a
// key derived from the server key. A sibling site can plant the cookie but cannot make the
// token that goes with a nonce; browsers that say a request comes from another site are
// refused outright, and every unsafe request needs the token, with or without Sec-Fetch-Site.
const storeCSRFCookie = "aa_csrf"

func (s *Server) storeCSRFToken(nonce string) string {
	m := hmac.New(sha256.New, s.storeCSRFKey)
	m.Write([]byte(nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// storefrontCSRF protects the reference storefront's forms.
func (s *Server) storefrontCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		nonce := ""
		if ck, err := c.Cookie(storeCSRFCookie); err == nil && len(ck.Value) == 43 {
			nonce = ck.Value
		}
		switch req.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			if nonce == "" {
				nonce = newCSRFToken()
				c.SetCookie(&http.Cookie{Name: storeCSRFCookie, Value: nonce, Path: "/store", HttpOnly: true,
					SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
			}
			c.Set("csrf", s.storeCSRFToken(nonce))
			return next(c)
		}
		if site := req.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
			return errCSRF
		}
		if nonce == "" {
			return errCSRF
		}
		want := s.storeCSRFToken(nonce)
		if !sameToken(req.Header.Get(csrfHeader), want) {
			got, err := formCSRFToken(req)
			if err != nil {
				return err
			}
			if !sameToken(got, want) {
				return errCSRF
			}
		}
		c.Set("csrf", want)
		return next(c)
	}
}
