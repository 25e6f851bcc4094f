// Package shopper reads who is shopping from a storefront request: the store view, the
// signed-in customer and the Real-Time CDP audiences they belong to. Both storefronts, the
// GraphQL API and the server-rendered /store pages, read them here, with the same limits,
// the same refusals, one log line and one counter; they differ only in where a request
// carries each value (Channel).
//
// The membership value travels: HTTP request → Reader.Read (header or cookie, plain or
// signed, bounded) → Shopper.Audiences (local ids on the store view's website) →
// Shopper.Pricing (checkout.Shopper) → the rules engine.
package shopper

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/checkout"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/stores"
)

// Channel says where a storefront's requests carry the store view, the customer and the
// membership value.
type Channel int

const (
	// API is the GraphQL API, as Magento's: the Store header (none: the default store
	// view), a bearer token in Authorization, and the aep-segments-membership header, else
	// its cookie. A store view or token that names nothing is refused (ErrNoStoreView,
	// ErrBadToken), as is a membership value over the size limit.
	API Channel = iota
	// Pages is the server-rendered /store: the ?store= parameter, the Store header or the
	// store switcher's cookie (StoreCookie), the customer cookie (CustomerCookie) and the
	// membership cookie. What names nothing falls back: the default store view, a guest
	// (TokenRefused tells the page to clear its cookie), no audiences.
	Pages
)

// The cookies of the /store pages.
const (
	// StoreCookie remembers the store view a shopper switched to.
	StoreCookie = "aa_store"
	// CustomerCookie holds a signed-in shopper's customer token.
	CustomerCookie = "aa_customer"
)

// GuestGroup is the customer group of shoppers who are not signed in (Magento's
// NOT LOGGED IN).
const GuestGroup = 0

// Errors of the API channel, with Magento's messages.
var (
	ErrNoStoreView = errors.New("Requested store is not found")
	ErrBadToken    = errors.New("The current customer isn't authorized.")
)

// Sources are the snapshots and services a Reader reads from.
type Sources struct {
	StoreViews func(context.Context) ([]stores.StoreView, error)
	// Customer looks up the customer of a token (customers.Service.ByToken).
	Customer   func(ctx context.Context, token string, now time.Time) (customers.Customer, error)
	Trust      func(context.Context) (audiences.Trust, error)
	Membership func(context.Context) (audiences.Membership, error)
	Now        func() time.Time
	Log        *slog.Logger
}

// Reader reads shoppers from requests.
type Reader struct {
	src     Sources
	refused atomic.Int64
}

// NewReader returns a Reader on src.
func NewReader(src Sources) *Reader {
	if src.Now == nil {
		src.Now = time.Now
	}
	if src.Log == nil {
		src.Log = slog.Default()
	}
	return &Reader{src: src}
}

// Refused is how many membership values have counted as none (malformed, or in signed
// mode unsigned, forged, expired or bound to someone else): the metric's value.
func (r *Reader) Refused() int64 { return r.refused.Load() }

// Origin is what the HTTP layer knows of a request: its id (for logs) and the client's
// address (for throttling), as values.
type Origin struct {
	RequestID string
	ClientIP  string
}

type originKey struct{}

// WithOrigin returns ctx carrying o.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginOf is the Origin ctx carries (none: the zero Origin).
func OriginOf(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}

// Shopper is who a request shops as.
type Shopper struct {
	Origin
	View     stores.StoreView
	Location *time.Location // the store view's timezone
	// Token and Customer are the signed-in customer's, or empty for a guest.
	Token    string
	Customer *customers.Customer
	// TokenRefused reports that the request sent a customer token that names no customer
	// of this website (Pages channel; the API refuses the request instead).
	TokenRefused bool
	// Audiences are the local ids of the shopper's active audiences on the website, and
	// CDPIDs the membership id (as audiences.NormalizeID writes it) each came from.
	Audiences []int64
	CDPIDs    []string
}

// Guest is a shopper of the view who is no one in particular: no customer, no audiences.
func Guest(view stores.StoreView) *Shopper {
	return &Shopper{View: view, Location: view.Location()}
}

// CustomerID is the signed-in customer's id, or 0 for a guest.
func (s *Shopper) CustomerID() int64 {
	if s.Customer == nil {
		return 0
	}
	return s.Customer.ID
}

// Pricing is who carts are priced for: the customer group, the audiences and the
// store's timezone.
func (s *Shopper) Pricing() checkout.Shopper {
	p := checkout.Shopper{CustomerGroupID: GuestGroup, Audiences: s.Audiences, Location: s.Location}
	if s.Customer != nil {
		p.CustomerGroupID = s.Customer.GroupID
	}
	return p
}

type shopperKey struct{}

// NewContext returns ctx carrying s.
func NewContext(ctx context.Context, s *Shopper) context.Context {
	return context.WithValue(ctx, shopperKey{}, s)
}

// FromContext is the Shopper ctx carries, or nil.
func FromContext(ctx context.Context) *Shopper {
	s, _ := ctx.Value(shopperKey{}).(*Shopper)
	return s
}

// Read reads the shopper of req as ch carries it; req's context carries its Origin
// (WithOrigin). Errors are faults of the sources, or on the API channel ErrNoStoreView,
// ErrBadToken and audiences.ErrMembershipTooLarge, which the API answers as Magento does.
func (r *Reader) Read(req *http.Request, ch Channel) (*Shopper, error) {
	ctx := req.Context()
	s := &Shopper{Origin: OriginOf(ctx)}
	var err error
	if s.View, err = r.storeView(req, ch); err != nil {
		return nil, err
	}
	s.Location = s.View.Location()
	// The customer before the membership: a signed value may be bound to the customer.
	if err := r.customer(req, ch, s); err != nil {
		return nil, err
	}
	if err := r.membership(req, ch, s); err != nil {
		return nil, err
	}
	return s, nil
}

func (r *Reader) storeView(req *http.Request, ch Channel) (stores.StoreView, error) {
	views, err := r.src.StoreViews(req.Context())
	if err != nil {
		return stores.StoreView{}, err
	}
	code := strings.TrimSpace(req.Header.Get("Store"))
	if ch == Pages {
		if q := req.URL.Query().Get("store"); q != "" {
			code = q
		} else if ck, err := req.Cookie(StoreCookie); err == nil && code == "" {
			code = ck.Value
		}
	}
	var fallback *stores.StoreView
	for i, v := range views {
		if code != "" && v.Code == code && v.IsActive {
			return v, nil
		}
		if fallback == nil && v.IsDefault {
			fallback = &views[i]
		}
	}
	// The API refuses a store code that names no active store view; the pages show the
	// default store view instead (a stale switcher cookie, say).
	if fallback == nil || (ch == API && code != "") {
		return stores.StoreView{}, ErrNoStoreView
	}
	return *fallback, nil
}

func (r *Reader) customer(req *http.Request, ch Channel, s *Shopper) error {
	var token string
	switch ch {
	case API:
		// A bearer token names a customer; other schemes (a proxy's Basic credentials,
		// say) are not ours to read, as on Magento.
		scheme, t, ok := strings.Cut(strings.TrimSpace(req.Header.Get("Authorization")), " ")
		if !ok || !strings.EqualFold(scheme, "bearer") {
			return nil
		}
		token = strings.TrimSpace(t)
	case Pages:
		ck, err := req.Cookie(CustomerCookie)
		if err != nil || ck.Value == "" {
			return nil
		}
		token = ck.Value
	}
	c, err := r.src.Customer(req.Context(), token, r.src.Now())
	switch {
	case errors.Is(err, customers.ErrBadToken) || (err == nil && c.WebsiteID != s.View.WebsiteID):
		if ch == API {
			return ErrBadToken
		}
		s.TokenRefused = true
		return nil
	case err != nil:
		return err
	}
	s.Token, s.Customer = token, &c
	return nil
}

func (r *Reader) membership(req *http.Request, ch Channel, s *Shopper) error {
	// On the API the header, when sent, wins over the cookie; repeated headers are one
	// comma-separated list, as HTTP has it.
	var raw string
	header := false
	if values := req.Header.Values(audiences.MembershipName); ch == API && values != nil {
		raw, header = strings.Join(values, ","), true
	} else if ck, err := req.Cookie(audiences.MembershipName); err == nil {
		raw = ck.Value
	}
	if raw == "" {
		return nil
	}
	ctx := req.Context()
	trust, err := r.src.Trust(ctx)
	if err != nil {
		return err
	}
	customer := ""
	if s.Customer != nil {
		customer = strconv.FormatInt(s.Customer.ID, 10)
	}
	ids, err := trust.ReadFor(raw, header, r.src.Now(), customer)
	if errors.Is(err, audiences.ErrMembershipTooLarge) && ch == API {
		return err
	}
	if err != nil {
		r.refused.Add(1)
		r.src.Log.Info("membership refused", "request_id", s.RequestID, "reason", err.Error())
		return nil
	}
	m, err := r.src.Membership(ctx)
	if err != nil {
		return err
	}
	s.Audiences, s.CDPIDs = m.ResolveNamed(s.View.WebsiteID, ids)
	return nil
}
