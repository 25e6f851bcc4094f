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

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
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
	// Scopes is the comma-separated scope list of the token request, as the Developer
	// Console workspace file names it; empty means TokenScope.
	Scopes string
}

// Complete reports whether every field needed to call the CDP is set.
func (c Credentials) Complete() bool {
	return c.ClientID != "" && c.ClientSecret != "" && c.OrgID != "" && c.Sandbox != "" && c.IMSURL != "" && c.PlatformURL != ""
}

// TokenScope is the scope requested for the access token when the configuration names
// none (the scopes of an Experience Platform API OAuth server-to-server credential).
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

// The API bases, below the Platform API URL, that Adobe's next-page links are relative to:
// Flow Service's `_links.next.href` is "/targetConnections?continuationToken=…", relative to
// flowServiceBase; the audiences API writes "@/audiences?start=…", "@" being upsBase.
const (
	flowServiceBase = "/data/foundation/flowservice"
	upsBase         = "/data/core/ups"
)

// FlowServicePageSize is the page size asked of Flow Service lists: its documented maximum.
const FlowServicePageSize = 100

// Client calls Adobe IMS and the Experience Platform APIs. golang.org/x/oauth2's
// client-credentials exchange gets the access token, which is cached until shortly before
// it expires; hashicorp/go-retryablehttp retries transient failures (network errors, 429,
// 5xx) with jittered exponential backoff, honouring Retry-After.
type Client struct {
	creds Credentials
	http  *retryablehttp.Client
	oauth clientcredentials.Config
	now   func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
	margin  time.Duration
}

// ClientOption changes a Client's defaults.
type ClientOption func(*Client)

// WithHTTPClient sets the HTTP client (its Timeout bounds each attempt of each call).
func WithHTTPClient(h *http.Client) ClientOption { return func(c *Client) { c.http.HTTPClient = h } }

// WithRetries sets the retry count and the first backoff delay.
func WithRetries(n int, base time.Duration) ClientOption {
	return func(c *Client) { c.http.RetryMax, c.http.RetryWaitMin = n, base }
}

// NewClient returns a client for creds.
func NewClient(creds Credentials, opts ...ClientOption) *Client {
	creds.IMSURL = strings.TrimRight(creds.IMSURL, "/")
	creds.PlatformURL = strings.TrimRight(creds.PlatformURL, "/")
	rc := &retryablehttp.Client{
		HTTPClient:   &http.Client{Timeout: 20 * time.Second},
		RetryWaitMin: 500 * time.Millisecond,
		RetryWaitMax: 30 * time.Second,
		RetryMax:     4,
		CheckRetry:   retryPolicy,
		Backoff:      jitteredBackoff,
		// The last answer of a call that kept failing comes back as it was, so that its
		// status says what failed (instead of "giving up after N attempts").
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	// IMS takes the list without spaces; people type "openid, AdobeID".
	scopes := strings.ReplaceAll(creds.Scopes, " ", "")
	if scopes == "" {
		scopes = TokenScope
	}
	c := &Client{creds: creds, http: rc, now: time.Now,
		oauth: clientcredentials.Config{ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
			TokenURL: creds.IMSURL + "/ims/token/v3",
			// IMS takes the scopes comma-separated in one parameter, as one "scope".
			Scopes: []string{scopes}, AuthStyle: oauth2.AuthStyleInParams}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// retryPolicy retries network failures, 429 and 5xx, never other answers, and stops at
// once when the caller's context ends.
func retryPolicy(ctx context.Context, res *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return true, nil
	}
	return res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500, nil
}

// jitteredBackoff waits what Retry-After asks (on 429 and 503, as the library reads it),
// else an exponential delay with full jitter, so that many instances do not retry in step.
func jitteredBackoff(lo, hi time.Duration, attempt int, res *http.Response) time.Duration {
	if res != nil && res.Header.Get("Retry-After") != "" {
		if d := retryAfter(res.Header.Get("Retry-After"), time.Now()); d > 0 {
			return min(d, hi)
		}
	}
	d := retryablehttp.DefaultBackoff(lo, hi, attempt, nil)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func retryAfter(v string, now time.Time) time.Duration {
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now)
	}
	return 0
}

// tokenMargin is how long before expiry a cached token is replaced.
const tokenMargin = 5 * time.Minute

// Token returns a valid access token, fetching a new one when the cached one is close to
// expiry. (The cache is ours rather than oauth2.ReuseTokenSource because that source's
// Token takes no context: a Test connection bounded to seconds could not stop a hanging
// token request.)
func (c *Client) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Before(c.expires.Add(-c.margin)) {
		return c.token, nil
	}
	if !c.creds.Complete() {
		return "", ErrNotConfigured
	}
	tok, err := c.oauth.Token(context.WithValue(ctx, oauth2.HTTPClient, c.http.StandardClient()))
	if err != nil {
		return "", c.tokenError(ctx, err)
	}
	if tok.Expiry.IsZero() {
		return "", fmt.Errorf("%w: the token answer has no expires_in", ErrMalformed)
	}
	life := tok.Expiry.Sub(c.now())
	// Replace the token shortly before it expires: 5 minutes, or a tenth of a short life.
	c.token, c.expires, c.margin = tok.AccessToken, tok.Expiry, min(tokenMargin, life/10)
	return c.token, nil
}

// tokenError says what a failed token exchange means, without IMS's answer body.
func (c *Client) tokenError(ctx context.Context, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		se := &StatusError{Status: re.Response.StatusCode, URL: c.creds.IMSURL + "/ims/token/v3", Body: snippet(re.Body)}
		switch code := re.Response.StatusCode; {
		case code == http.StatusBadRequest || code == http.StatusUnauthorized || code == http.StatusForbidden:
			se.kind = ErrBadCredentials
		case code >= 200 && code < 300:
			se.kind = ErrBadCredentials // 200 with an "error" parameter
		default:
			se.kind = ErrUpstream
		}
		return se
	}
	if ctx.Err() != nil || isNetError(err) {
		return fmt.Errorf("%w: %s: %v", ErrUnreachable, redactURL(mustParse(c.creds.IMSURL)), plainNetError(ctx, err))
	}
	return fmt.Errorf("%w: the token answer: %v", ErrMalformed, err)
}

func (c *Client) dropToken(tok string) {
	c.mu.Lock()
	if c.token == tok {
		c.token = ""
	}
	c.mu.Unlock()
}

// resolve turns a path below the Platform API URL, or a next-page link Adobe sent relative
// to an API base (service), into a URL on the platform host. The bearer token goes only to
// that host: a link elsewhere is refused.
func (c *Client) resolve(service, ref string) (string, error) {
	base, err := url.Parse(c.creds.PlatformURL + "/")
	if err != nil || base.Host == "" {
		return "", fmt.Errorf("%w: the Platform API URL is not a URL", ErrNotConfigured)
	}
	if strings.HasPrefix(ref, "@/") {
		ref = upsBase + ref[1:] // the audiences API's "@" is its own base
	}
	u, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("%w: a next-page link is not a URL", ErrMalformed)
	}
	switch {
	case u.IsAbs() || u.Host != "" || u.User != nil:
		// An absolute link must stay on the platform host.
		if u.Scheme != base.Scheme || u.Host != base.Host || u.User != nil {
			return "", fmt.Errorf("%w: a next-page link points outside the platform API: %s", ErrMalformed, redactURL(u))
		}
		return u.String(), nil
	case strings.HasPrefix(u.Path, "/data/"):
		// Already a path from the platform's root (as our own first requests are).
	case strings.HasPrefix(u.Path, "/"):
		u.Path = service + u.Path
	case u.Path != "":
		u.Path = service + "/" + u.Path
	default:
		return "", fmt.Errorf("%w: a next-page link has no path", ErrMalformed)
	}
	out := *base
	out.Path = strings.TrimSuffix(base.Path, "/") + u.Path
	out.RawPath = ""
	out.RawQuery = u.RawQuery
	return out.String(), nil
}

// get calls a platform API (ref resolved as resolve does) with the AEP headers, refreshing
// the token once on a 401, and decodes JSON into out.
func (c *Client) get(ctx context.Context, service, ref string, out any) error {
	target, err := c.resolve(service, ref)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.Token(ctx)
		if err != nil {
			return err
		}
		req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("x-api-key", c.creds.ClientID)
		req.Header.Set("x-gw-ims-org-id", c.creds.OrgID)
		req.Header.Set("x-sandbox-name", c.creds.Sandbox)
		req.Header.Set("Accept", "application/json")
		err = c.do(ctx, req, out)
		var se *StatusError
		if errors.As(err, &se) && se.Status == http.StatusUnauthorized && attempt == 0 {
			c.dropToken(tok) // the token was revoked or expired early: fetch a new one once
			continue
		}
		return err
	}
}

// StatusError is an HTTP error answer from IMS or the platform. Its message names the
// status and the address, never the answer's body (Body is kept for the server's log).
type StatusError struct {
	Status int
	URL    string
	Body   string
	kind   error
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%v: HTTP %d from %s", e.kind, e.Status, e.URL)
}

func (e *StatusError) Unwrap() error { return e.kind }

// do sends req through the retrying client and decodes a 2xx JSON answer into out.
func (c *Client) do(ctx context.Context, req *retryablehttp.Request, out any) error {
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s %s: %v", ErrUnreachable, req.Method, redactURL(req.URL), plainNetError(ctx, err))
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("%w: reading %s: %v", ErrUnreachable, redactURL(req.URL), plainNetError(ctx, err))
	}
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrMalformed, redactURL(req.URL), err)
		}
		return nil
	}
	se := &StatusError{Status: res.StatusCode, URL: redactURL(req.URL), Body: snippet(body), kind: ErrUpstream}
	switch res.StatusCode {
	case http.StatusUnauthorized:
		se.kind = ErrBadCredentials
	case http.StatusForbidden:
		se.kind = ErrNoPermission
	}
	return se
}

func isNetError(err error) bool {
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue)
}

// plainNetError says in a few words why a call got no answer, instead of Go's
// "dial tcp 10.0.0.1:443: connect: connection refused".
func plainNetError(ctx context.Context, err error) string {
	var ne net.Error
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return "no answer in time"
	case errors.Is(ctx.Err(), context.Canceled) || errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &ne) && ne.Timeout():
		return "no answer in time"
	case errors.As(err, &dns):
		return "the host name is unknown"
	case errors.As(err, &op) && op.Op == "dial":
		return "the connection was refused"
	case strings.Contains(err.Error(), "certificate"), strings.Contains(err.Error(), "tls:"):
		return "its TLS certificate was not accepted"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the connection closed early"
	}
	return "the connection failed"
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		return &url.URL{}
	}
	return u
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

type links struct {
	Next struct {
		Href string `json:"href"`
	} `json:"next"`
}

// listFlowService reads every page of a Flow Service list: at most FlowServicePageSize
// items a page, the next page at `_links.next.href` (relative to the Flow Service base),
// until a page has no next link. Each item is handed to fn undecoded.
func (c *Client) listFlowService(ctx context.Context, resource string, query url.Values, fn func(json.RawMessage) error) error {
	if query == nil {
		query = url.Values{}
	}
	query.Set("limit", strconv.Itoa(FlowServicePageSize))
	next := flowServiceBase + "/" + resource + "?" + query.Encode()
	seen := map[string]bool{}
	for pages := 0; next != ""; pages++ {
		if pages >= 10000 || seen[next] {
			return fmt.Errorf("%w: the %s listing does not end (a next-page link repeats)", ErrMalformed, resource)
		}
		seen[next] = true
		var page struct {
			Items []json.RawMessage `json:"items"`
			Links links             `json:"_links"`
		}
		if err := c.get(ctx, flowServiceBase, next, &page); err != nil {
			return err
		}
		for _, it := range page.Items {
			if err := fn(it); err != nil {
				return err
			}
		}
		next = page.Links.Next.Href
	}
	return nil
}

// ConnectionSpec is a Flow Service connection specification: a kind of source or
// destination, such as the Adobe Commerce destination.
type ConnectionSpec struct{ ID, Name string }

// CommerceDestinationName is the name of the Adobe Commerce destination's connection spec.
const CommerceDestinationName = "Adobe Commerce"

// CommerceConnectionSpecs lists the connection specs named CommerceDestinationName
// (the name compared without regard to case or surrounding spaces).
func (c *Client) CommerceConnectionSpecs(ctx context.Context) ([]ConnectionSpec, error) {
	var out []ConnectionSpec
	q := url.Values{"property": {"name==" + CommerceDestinationName}}
	err := c.listFlowService(ctx, "connectionSpecs", q, func(raw json.RawMessage) error {
		var s struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("%w: a connection spec: %v", ErrMalformed, err)
		}
		if s.ID != "" && strings.EqualFold(strings.TrimSpace(s.Name), CommerceDestinationName) {
			out = append(out, ConnectionSpec{ID: s.ID, Name: s.Name})
		}
		return nil
	})
	return out, err
}

// ConnectionSpecByID looks a connection spec up by id; ok is false when the sandbox has
// none with that id.
func (c *Client) ConnectionSpecByID(ctx context.Context, id string) (spec ConnectionSpec, ok bool, err error) {
	err = c.listFlowService(ctx, "connectionSpecs", url.Values{"property": {"id==" + id}}, func(raw json.RawMessage) error {
		var s struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("%w: a connection spec: %v", ErrMalformed, err)
		}
		if strings.EqualFold(s.ID, id) {
			spec, ok = ConnectionSpec{ID: s.ID, Name: s.Name}, true
		}
		return nil
	})
	return spec, ok, err
}

// TargetConnection is a destination connection of the Adobe Commerce connection spec.
type TargetConnection struct {
	ID     string
	Name   string
	SpecID string
	State  string
	// Params are the string values of its params, at any depth: Adobe does not document
	// the key that holds the datastream ID, so a website matches by value.
	Params []string
}

// TargetConnections lists the target connections of the connection spec specID, following
// next-page links. Connections of other specs (a Custom Personalization connection on the
// same datastream, say) are left out even if the API did not filter them.
func (c *Client) TargetConnections(ctx context.Context, specID string) ([]TargetConnection, error) {
	var out []TargetConnection
	q := url.Values{"property": {"connectionSpec.id==" + specID}}
	err := c.listFlowService(ctx, "targetConnections", q, func(raw json.RawMessage) error {
		var it struct {
			ID             string `json:"id"`
			Name           string `json:"name"`
			State          string `json:"state"`
			ConnectionSpec struct {
				ID string `json:"id"`
			} `json:"connectionSpec"`
			Params any `json:"params"`
		}
		if err := json.Unmarshal(raw, &it); err != nil {
			return fmt.Errorf("%w: a target connection: %v", ErrMalformed, err)
		}
		if it.ID == "" || !strings.EqualFold(it.ConnectionSpec.ID, specID) {
			return nil
		}
		out = append(out, TargetConnection{ID: it.ID, Name: it.Name, SpecID: it.ConnectionSpec.ID, State: it.State, Params: stringValues(it.Params, nil)})
		return nil
	})
	return out, err
}

// stringValues collects the strings in a decoded JSON value, at any depth.
func stringValues(v any, out []string) []string {
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case map[string]any:
		for _, e := range x {
			out = stringValues(e, out)
		}
	case []any:
		for _, e := range x {
			out = stringValues(e, out)
		}
	}
	return out
}

// Flow is a dataflow to one or more target connections, with the audiences it activates.
type Flow struct {
	ID                  string
	Name                string
	State               string // "enabled" or "disabled"
	TargetConnectionIDs []string
	Audiences           []SelectedAudience
}

// Enabled reports whether the flow activates its audiences now.
func (f Flow) Enabled() bool { return strings.EqualFold(f.State, "enabled") }

// SelectedAudience is an audience selector of a flow.
type SelectedAudience struct{ ID, Name string }

// Flows lists the dataflows to target connections of the connection spec specID, with
// their state and audience selectors (transformations[].params.segmentSelectors).
func (c *Client) Flows(ctx context.Context, specID string) ([]Flow, error) {
	var out []Flow
	q := url.Values{"property": {"inheritedAttributes.targetConnections[].connectionSpec.id==" + specID}}
	err := c.listFlowService(ctx, "flows", q, func(raw json.RawMessage) error {
		var it struct {
			ID                  string   `json:"id"`
			Name                string   `json:"name"`
			State               string   `json:"state"`
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
		}
		if err := json.Unmarshal(raw, &it); err != nil {
			return fmt.Errorf("%w: a dataflow: %v", ErrMalformed, err)
		}
		f := Flow{ID: it.ID, Name: it.Name, State: it.State, TargetConnectionIDs: it.TargetConnectionIDs}
		for _, tr := range it.Transformations {
			for _, s := range tr.Params.SegmentSelectors.Selectors {
				if id, ok := NormalizeID(strings.TrimSpace(s.Value.ID)); ok {
					f.Audiences = append(f.Audiences, SelectedAudience{ID: id, Name: s.Value.Name})
				}
			}
		}
		out = append(out, f)
		return nil
	})
	return out, err
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

// Deleted reports whether the audience was deleted upstream: Adobe's lifecycle state
// "archived" means deleted ("deleted" is read the same way).
func (a UpstreamAudience) Deleted() bool {
	return strings.EqualFold(a.LifecycleState, "archived") || strings.EqualFold(a.LifecycleState, "deleted")
}

// AudiencePageSize is how many audiences are asked for per page.
const AudiencePageSize = 500

// flexInt reads a JSON number or a string holding one: the audiences API's `_page.next`
// is an integer in Adobe's OpenAPI schema and a string in its documentation's example.
type flexInt struct {
	N   int
	Set bool
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" || s == `""` {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		s = strings.TrimSpace(str)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("_page.next is not a whole number: %s", string(b))
	}
	f.N, f.Set = n, true
	return nil
}

type audiencePage struct {
	Children []struct {
		ID             string `json:"id"`
		Name           string `json:"name"`
		Description    string `json:"description"`
		OriginName     string `json:"originName"`
		LifecycleState string `json:"lifecycleState"`
		Lifecycle      string `json:"lifecycle"`
		UpdateTime     int64  `json:"updateTime"`
	} `json:"children"`
	Page *struct {
		TotalCount int     `json:"totalCount"`
		Next       flexInt `json:"next"`
	} `json:"_page"`
	// Pages is the same object under the name Adobe's published example uses.
	Pages *struct {
		TotalCount int     `json:"totalCount"`
		Next       flexInt `json:"next"`
	} `json:"_pages"`
	Links links `json:"_links"`
}

func (p *audiencePage) paging() (total int, next flexInt, ok bool) {
	switch {
	case p.Page != nil:
		return p.Page.TotalCount, p.Page.Next, true
	case p.Pages != nil:
		return p.Pages.TotalCount, p.Pages.Next, true
	}
	return 0, flexInt{}, false
}

// Audiences calls fn with each page of audiences, in order, so that large sets are never
// held in memory at once. Pages follow `_links.next.href` ("@/audiences?start=…") or, when
// there is none, `_page.next` as the next start. It returns the total the API reported.
func (c *Client) Audiences(ctx context.Context, fn func([]UpstreamAudience) error) (int, error) {
	return c.audiences(ctx, AudiencePageSize, 0, fn)
}

// audiences reads up to maxPages pages (0: all).
func (c *Client) audiences(ctx context.Context, limit, maxPages int, fn func([]UpstreamAudience) error) (int, error) {
	start := 0
	next := fmt.Sprintf("%s/audiences?start=0&limit=%d", upsBase, limit)
	seen, total := 0, 0
	for pages := 0; next != ""; pages++ {
		if pages > 100000 {
			return seen, fmt.Errorf("%w: the audience listing does not end", ErrMalformed)
		}
		var page audiencePage
		if err := c.get(ctx, upsBase, next, &page); err != nil {
			return seen, err
		}
		pageTotal, pageNext, hasPaging := page.paging()
		if page.Children == nil && !hasPaging {
			return seen, fmt.Errorf("%w: an audience page has neither children nor _page", ErrMalformed)
		}
		batch := make([]UpstreamAudience, 0, len(page.Children))
		for _, ch := range page.Children {
			id, ok := NormalizeID(strings.TrimSpace(ch.ID))
			if !ok {
				continue
			}
			a := UpstreamAudience{ID: id, Name: ch.Name, Description: ch.Description, OriginName: ch.OriginName, LifecycleState: ch.LifecycleState}
			if a.LifecycleState == "" {
				a.LifecycleState = ch.Lifecycle
			}
			if ch.UpdateTime > 0 {
				a.UpdatedAt = time.UnixMilli(ch.UpdateTime).UTC()
			}
			batch = append(batch, a)
		}
		seen += len(batch)
		if hasPaging {
			total = pageTotal
		}
		if err := fn(batch); err != nil {
			return seen, err
		}
		if maxPages > 0 && pages+1 >= maxPages {
			break
		}
		// The next page: the link, else _page.next; each must move forward.
		nextStart := -1
		switch {
		case len(page.Children) == 0:
			next = ""
		case page.Links.Next.Href != "":
			next = page.Links.Next.Href
			if u, err := url.Parse(strings.TrimPrefix(next, "@")); err == nil {
				if n, err := strconv.Atoi(u.Query().Get("start")); err == nil {
					nextStart = n
				}
			}
		case pageNext.Set:
			nextStart = pageNext.N
			next = fmt.Sprintf("%s/audiences?start=%d&limit=%d", upsBase, pageNext.N, limit)
		default:
			next = ""
		}
		if next != "" && nextStart >= 0 {
			if nextStart <= start {
				return seen, fmt.Errorf("%w: the audience listing's next page (start=%d) does not move past this one (start=%d)", ErrMalformed, nextStart, start)
			}
			start = nextStart
		}
	}
	if total == 0 {
		total = seen
	}
	return total, nil
}

// FirstAudiencePage reads the first page of audiences, for Test connection: it proves the
// audiences API answers, and returns the total the sandbox reports.
func (c *Client) FirstAudiencePage(ctx context.Context) (int, error) {
	return c.audiences(ctx, 50, 1, func([]UpstreamAudience) error { return nil })
}
