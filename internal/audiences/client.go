package audiences

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Credentials are what the CDP client needs: the OAuth server-to-server credential of a
// Developer Console project, the organization and sandbox, and the API base URLs.
type Credentials struct {
	ClientID     string
	ClientSecret string
	OrgID        string
	Sandbox      string
	IMSURL       string // e.g. https://ims-na1.adobelogin.com
	PlatformURL  string // e.g. https://platform.adobe.io
}

// Complete reports whether every field needed to call the CDP is set.
func (c Credentials) Complete() bool {
	return c.ClientID != "" && c.ClientSecret != "" && c.OrgID != "" && c.Sandbox != "" && c.IMSURL != "" && c.PlatformURL != ""
}

// TokenScope is the scope requested for the access token.
const TokenScope = "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session"

// Errors the client returns, wrapped with detail; callers tell people what failed by them.
var (
	ErrNotConfigured  = errors.New("the Real-Time CDP credentials are not configured")
	ErrBadCredentials = errors.New("the CDP refused the credentials")
	ErrNoPermission   = errors.New("the credentials have no permission for this call")
	ErrUnreachable    = errors.New("the CDP could not be reached")
	ErrUpstream       = errors.New("the CDP answered with an error")
	ErrMalformed      = errors.New("the CDP answered with data that could not be read")
)

// Client calls Adobe IMS and the Experience Platform APIs. It caches the access token until
// shortly before it expires and retries transient failures with backoff and jitter.
type Client struct {
	creds      Credentials
	http       *http.Client
	maxRetries int
	baseDelay  time.Duration
	maxDelay   time.Duration
	now        func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
	margin  time.Duration
}

// ClientOption changes a Client's defaults.
type ClientOption func(*Client)

// WithHTTPClient sets the HTTP client (its Timeout bounds each call).
func WithHTTPClient(h *http.Client) ClientOption { return func(c *Client) { c.http = h } }

// WithRetries sets the retry count and the first backoff delay.
func WithRetries(n int, base time.Duration) ClientOption {
	return func(c *Client) { c.maxRetries, c.baseDelay = n, base }
}

// NewClient returns a client for creds.
func NewClient(creds Credentials, opts ...ClientOption) *Client {
	c := &Client{creds: creds, http: &http.Client{Timeout: 20 * time.Second}, maxRetries: 4,
		baseDelay: 500 * time.Millisecond, maxDelay: 30 * time.Second, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	c.creds.IMSURL = strings.TrimRight(c.creds.IMSURL, "/")
	c.creds.PlatformURL = strings.TrimRight(c.creds.PlatformURL, "/")
	return c
}

// tokenMargin is how long before expiry a cached token is replaced.
const tokenMargin = 5 * time.Minute

// Token returns a valid access token, fetching a new one when the cached one is close to
// expiry.
func (c *Client) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Before(c.expires.Add(-c.margin)) {
		return c.token, nil
	}
	if !c.creds.Complete() {
		return "", ErrNotConfigured
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.creds.ClientID},
		"client_secret": {c.creds.ClientSecret}, "scope": {TokenScope}}
	var out struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	err := c.do(ctx, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.creds.IMSURL+"/ims/token/v3", strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return req, err
	}, &out, true)
	if err != nil {
		return "", err
	}
	if out.AccessToken == "" || out.ExpiresIn <= 0 {
		return "", fmt.Errorf("%w: the token response has no access_token or expires_in", ErrMalformed)
	}
	life := time.Duration(out.ExpiresIn) * time.Second
	// Replace the token shortly before it expires: 5 minutes, or a tenth of a short life.
	c.token, c.expires, c.margin = out.AccessToken, c.now().Add(life), min(tokenMargin, life/10)
	return c.token, nil
}

func (c *Client) dropToken(tok string) {
	c.mu.Lock()
	if c.token == tok {
		c.token = ""
	}
	c.mu.Unlock()
}

// get calls a platform API path (or an absolute next-page URL on the platform host) with
// the AEP headers, refreshing the token once on a 401, and decodes JSON into out.
func (c *Client) get(ctx context.Context, pathOrURL string, out any) error {
	base, err := url.Parse(c.creds.PlatformURL + "/")
	if err != nil {
		return fmt.Errorf("%w: the Platform API URL is not a URL", ErrNotConfigured)
	}
	ref, err := url.Parse(pathOrURL)
	if err != nil {
		return fmt.Errorf("%w: a next-page link is not a URL", ErrMalformed)
	}
	if !ref.IsAbs() && !strings.HasPrefix(pathOrURL, "/") {
		return fmt.Errorf("%w: a next-page link is not a path", ErrMalformed)
	}
	u := base.ResolveReference(ref)
	if ref.IsAbs() || ref.Host != "" {
		u = ref
	} else {
		u.Path = strings.TrimSuffix(base.Path, "/") + ref.Path
	}
	// The bearer token goes only to the configured platform host.
	if u.Scheme != base.Scheme || u.Host != base.Host || u.User != nil {
		return fmt.Errorf("%w: a next-page link points outside the platform API: %s", ErrMalformed, redactURL(u))
	}
	target := u.String()
	for attempt := 0; ; attempt++ {
		tok, err := c.Token(ctx)
		if err != nil {
			return err
		}
		err = c.do(ctx, func() (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("x-api-key", c.creds.ClientID)
			req.Header.Set("x-gw-ims-org-id", c.creds.OrgID)
			req.Header.Set("x-sandbox-name", c.creds.Sandbox)
			req.Header.Set("Accept", "application/json")
			return req, nil
		}, out, false)
		var se *StatusError
		if errors.As(err, &se) && se.Status == http.StatusUnauthorized && attempt == 0 {
			c.dropToken(tok) // the token was revoked or expired early: fetch a new one once
			continue
		}
		return err
	}
}

// StatusError is an HTTP error answer from IMS or the platform.
type StatusError struct {
	Status int
	URL    string
	Body   string
	kind   error
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%v: HTTP %d from %s: %s", e.kind, e.Status, e.URL, e.Body)
}

func (e *StatusError) Unwrap() error { return e.kind }

// do sends the request built by mk, retrying 5xx, 429 and network failures with exponential
// backoff and jitter (honouring Retry-After), and never other 4xx.
func (c *Client) do(ctx context.Context, mk func() (*http.Request, error), out any, isToken bool) error {
	var lastErr error
	for attempt := 0; attempt <= c.maxRetries; attempt++ {
		if attempt > 0 {
			if err := sleepCtx(ctx, c.backoff(attempt, lastErr)); err != nil {
				return fmt.Errorf("%w: %v (after: %v)", ErrUnreachable, err, lastErr)
			}
		}
		req, err := mk()
		if err != nil {
			return err
		}
		res, err := c.http.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%w: %v", ErrUnreachable, ctx.Err())
			}
			lastErr = fmt.Errorf("%w: %s %s: %v", ErrUnreachable, req.Method, redactURL(req.URL), unwrapNetErr(err))
			continue
		}
		body, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
		res.Body.Close()
		if err != nil {
			lastErr = fmt.Errorf("%w: reading %s: %v", ErrUnreachable, redactURL(req.URL), err)
			continue
		}
		if res.StatusCode >= 200 && res.StatusCode < 300 {
			if err := json.Unmarshal(body, out); err != nil {
				return fmt.Errorf("%w: %s: %v", ErrMalformed, redactURL(req.URL), err)
			}
			return nil
		}
		se := &StatusError{Status: res.StatusCode, URL: redactURL(req.URL), Body: snippet(body)}
		switch {
		case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
			se.kind = ErrUpstream
			lastErr = se
			if ra := retryAfter(res.Header.Get("Retry-After"), c.now()); ra > 0 {
				lastErr = &retryAfterError{se, ra}
			}
			continue
		case isToken && (res.StatusCode == http.StatusBadRequest || res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden):
			se.kind = ErrBadCredentials
		case res.StatusCode == http.StatusUnauthorized:
			se.kind = ErrBadCredentials
		case res.StatusCode == http.StatusForbidden:
			se.kind = ErrNoPermission
		default:
			se.kind = ErrUpstream
		}
		return se
	}
	var ra *retryAfterError
	if errors.As(lastErr, &ra) {
		return ra.StatusError
	}
	return lastErr
}

type retryAfterError struct {
	*StatusError
	wait time.Duration
}

func (c *Client) backoff(attempt int, last error) time.Duration {
	var ra *retryAfterError
	if errors.As(last, &ra) {
		return min(ra.wait, c.maxDelay)
	}
	d := c.baseDelay << (attempt - 1)
	if d > c.maxDelay || d <= 0 {
		d = c.maxDelay
	}
	// Full jitter keeps many instances from retrying in step.
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now)
	}
	return 0
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func unwrapNetErr(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errors.New("timed out")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redactURL drops the query, which may carry continuation tokens, from messages.
func redactURL(u *url.URL) string {
	return u.Scheme + "://" + u.Host + u.Path
}

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// TargetConnection is an Adobe Commerce destination connection: the datastream it feeds.
type TargetConnection struct {
	ID           string
	Name         string
	DatastreamID string
}

// Flow is a dataflow to one or more target connections, with the audiences it activates.
type Flow struct {
	ID                  string
	TargetConnectionIDs []string
	Audiences           []SelectedAudience
}

// SelectedAudience is an audience selector of a flow.
type SelectedAudience struct{ ID, Name string }

type links struct {
	Next struct {
		Href string `json:"href"`
	} `json:"next"`
}

// TargetConnections lists the target connections that carry a datastream ID, following
// next-page links.
func (c *Client) TargetConnections(ctx context.Context) ([]TargetConnection, error) {
	var out []TargetConnection
	next := "/data/foundation/flowservice/targetConnections"
	for pages := 0; next != "" && pages < 1000; pages++ {
		var page struct {
			Items []struct {
				ID     string `json:"id"`
				Name   string `json:"name"`
				Params struct {
					DatastreamID string `json:"datastreamId"`
				} `json:"params"`
			} `json:"items"`
			Links links `json:"_links"`
		}
		if err := c.get(ctx, next, &page); err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			if it.Params.DatastreamID != "" {
				out = append(out, TargetConnection{ID: it.ID, Name: it.Name, DatastreamID: it.Params.DatastreamID})
			}
		}
		next = page.Links.Next.Href
	}
	return out, nil
}

// Flows lists the dataflows with their target connections and audience selectors.
func (c *Client) Flows(ctx context.Context) ([]Flow, error) {
	var out []Flow
	next := "/data/foundation/flowservice/flows"
	for pages := 0; next != "" && pages < 1000; pages++ {
		var page struct {
			Items []struct {
				ID                  string   `json:"id"`
				TargetConnectionIDs []string `json:"targetConnectionIds"`
				Transformations     []struct {
					Params struct {
						SegmentSelectors struct {
							Selectors []struct {
								Type  string `json:"type"`
								Value struct {
									ID   string `json:"id"`
									Name string `json:"name"`
								} `json:"value"`
							} `json:"selectors"`
						} `json:"segmentSelectors"`
					} `json:"params"`
				} `json:"transformations"`
			} `json:"items"`
			Links links `json:"_links"`
		}
		if err := c.get(ctx, next, &page); err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			f := Flow{ID: it.ID, TargetConnectionIDs: it.TargetConnectionIDs}
			for _, tr := range it.Transformations {
				for _, s := range tr.Params.SegmentSelectors.Selectors {
					if s.Value.ID != "" {
						f.Audiences = append(f.Audiences, SelectedAudience{ID: s.Value.ID, Name: s.Value.Name})
					}
				}
			}
			out = append(out, f)
		}
		next = page.Links.Next.Href
	}
	return out, nil
}

// UpstreamAudience is an audience as the audiences API describes it.
type UpstreamAudience struct {
	ID             string
	Name           string
	Description    string
	OriginName     string
	LifecycleState string
	UpdatedAt      time.Time
}

// AudiencePageSize is how many audiences are asked for per page.
const AudiencePageSize = 500

// Audiences calls fn with each page of audiences, in order, so that large sets are never
// held in memory at once. It returns the total the API reported.
func (c *Client) Audiences(ctx context.Context, fn func([]UpstreamAudience) error) (int, error) {
	next := fmt.Sprintf("/data/core/ups/audiences?start=0&limit=%d", AudiencePageSize)
	seen := 0
	total := 0
	for pages := 0; next != ""; pages++ {
		if pages > 100000 {
			return seen, fmt.Errorf("%w: the audience listing does not end", ErrMalformed)
		}
		var page struct {
			Children []struct {
				ID             string `json:"id"`
				Name           string `json:"name"`
				Description    string `json:"description"`
				OriginName     string `json:"originName"`
				LifecycleState string `json:"lifecycleState"`
				UpdateTime     int64  `json:"updateTime"`
			} `json:"children"`
			Page *struct {
				TotalCount int    `json:"totalCount"`
				Next       string `json:"next"`
			} `json:"_page"`
			Links links `json:"_links"`
		}
		if err := c.get(ctx, next, &page); err != nil {
			return seen, err
		}
		if page.Children == nil && page.Page == nil {
			return seen, fmt.Errorf("%w: an audience page has neither children nor _page", ErrMalformed)
		}
		batch := make([]UpstreamAudience, 0, len(page.Children))
		for _, ch := range page.Children {
			if ch.ID == "" {
				continue
			}
			a := UpstreamAudience{ID: ch.ID, Name: ch.Name, Description: ch.Description, OriginName: ch.OriginName, LifecycleState: ch.LifecycleState}
			if ch.UpdateTime > 0 {
				a.UpdatedAt = time.UnixMilli(ch.UpdateTime).UTC()
			}
			batch = append(batch, a)
		}
		seen += len(batch)
		if page.Page != nil {
			total = page.Page.TotalCount
		}
		if err := fn(batch); err != nil {
			return seen, err
		}
		switch {
		case page.Links.Next.Href != "":
			next = page.Links.Next.Href
		case page.Page != nil && page.Page.Next != "" && len(page.Children) > 0:
			next = fmt.Sprintf("/data/core/ups/audiences?start=%s&limit=%d", url.QueryEscape(page.Page.Next), AudiencePageSize)
		default:
			next = ""
		}
	}
	if total == 0 {
		total = seen
	}
	return total, nil
}

// Check gets a token and counts the audiences, for "Test connection".
func (c *Client) Check(ctx context.Context) (int, error) {
	if _, err := c.Token(ctx); err != nil {
		return 0, err
	}
	var page struct {
		Children []json.RawMessage `json:"children"`
		Page     *struct {
			TotalCount int `json:"totalCount"`
		} `json:"_page"`
	}
	if err := c.get(ctx, "/data/core/ups/audiences?start=0&limit=1", &page); err != nil {
		return 0, err
	}
	if page.Page == nil {
		return len(page.Children), nil
	}
	return page.Page.TotalCount, nil
}
