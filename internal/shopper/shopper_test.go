package shopper_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/shopper"
	"audienceactivation/internal/stores"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const (
	runners = "5eed0001-0001-4001-8007-000000000001"
	walkers = "5eed0001-0001-4001-8007-000000000002"
)

// fixture is a Reader on a real database (the stock website and store view, plus a
// second, French store view and an inactive one), with two audiences on the website and a
// customer who holds a token.
type fixture struct {
	reader   *shopper.Reader
	trust    audiences.Trust
	token    string
	customer customers.Customer
	logs     *bytes.Buffer
	now      time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := dbtest.New(t)
	ctx := context.Background()
	log := audit.NewLog(d)
	st := stores.NewService(d, log)
	who := audit.Actor{Username: "test"}
	if _, err := st.SaveStoreView(ctx, who, stores.StoreView{WebsiteID: 1, Code: "fr", Name: "French", Currency: "EUR", Timezone: "Europe/Paris", IsActive: true, SortOrder: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveStoreView(ctx, who, stores.StoreView{WebsiteID: 1, Code: "closed", Name: "Closed", Currency: "USD", Timezone: "UTC", SortOrder: 3}); err != nil {
		t.Fatal(err)
	}
	cs := customers.NewService(d, log)
	f := &fixture{logs: &bytes.Buffer{}, now: time.Now()}
	var err error
	if f.customer, err = cs.Save(ctx, who, 0, customers.Input{WebsiteID: 1, Email: "ada@example.com", Firstname: "Ada", Lastname: "L", GroupID: 1, Password: "correct horse 1"}); err != nil {
		t.Fatal(err)
	}
	if f.token, err = cs.IssueToken(ctx, f.customer.ID, f.now); err != nil {
		t.Fatal(err)
	}
	membership := audiences.Membership{1: {runners: 11, walkers: 12}}
	f.reader = shopper.NewReader(shopper.Sources{
		StoreViews: st.StoreViews, Customer: cs.ByToken,
		Trust:      func(context.Context) (audiences.Trust, error) { return f.trust, nil },
		Membership: func(context.Context) (audiences.Membership, error) { return membership, nil },
		Now:        func() time.Time { return f.now },
		Log:        slog.New(slog.NewTextHandler(f.logs, nil)),
	})
	return f
}

func (f *fixture) read(t *testing.T, ch shopper.Channel, target string, set func(*http.Request)) (*shopper.Shopper, error) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	if set != nil {
		set(r)
	}
	r = r.WithContext(shopper.WithOrigin(r.Context(), shopper.Origin{RequestID: "req-1", ClientIP: "192.0.2.7"}))
	return f.reader.Read(r, ch)
}

func cookie(name, value string) func(*http.Request) {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: name, Value: value}) }
}

func header(name, value string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Add(name, value) }
}

func all(sets ...func(*http.Request)) func(*http.Request) {
	return func(r *http.Request) {
		for _, s := range sets {
			s(r)
		}
	}
}

// The store view: the API reads the Store header and refuses what names no active store
// view; the pages read ?store=, then the header, then the switcher's cookie, and fall back
// to the default store view.
func TestStoreView(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name    string
		ch      shopper.Channel
		target  string
		set     func(*http.Request)
		want    string
		wantErr error
	}{
		{"api default", shopper.API, "/graphql", nil, "default", nil},
		{"api header", shopper.API, "/graphql", header("Store", " fr "), "fr", nil},
		{"api unknown", shopper.API, "/graphql", header("Store", "nope"), "", shopper.ErrNoStoreView},
		{"api inactive", shopper.API, "/graphql", header("Store", "closed"), "", shopper.ErrNoStoreView},
		{"api ignores the pages' ways", shopper.API, "/graphql?store=fr", cookie(shopper.StoreCookie, "fr"), "default", nil},
		{"pages default", shopper.Pages, "/store", nil, "default", nil},
		{"pages query wins", shopper.Pages, "/store?store=fr", all(header("Store", "default"), cookie(shopper.StoreCookie, "default")), "fr", nil},
		{"pages header before cookie", shopper.Pages, "/store", all(header("Store", "fr"), cookie(shopper.StoreCookie, "default")), "fr", nil},
		{"pages cookie", shopper.Pages, "/store", cookie(shopper.StoreCookie, "fr"), "fr", nil},
		{"pages unknown falls back", shopper.Pages, "/store?store=nope", nil, "default", nil},
		{"pages inactive falls back", shopper.Pages, "/store", cookie(shopper.StoreCookie, "closed"), "default", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := f.read(t, tc.ch, tc.target, tc.set)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if err == nil && s.View.Code != tc.want {
				t.Fatalf("store view %q, want %q", s.View.Code, tc.want)
			}
		})
	}
	s, _ := f.read(t, shopper.Pages, "/store?store=fr", nil)
	if s.Location.String() != "Europe/Paris" || s.RequestID != "req-1" || s.ClientIP != "192.0.2.7" {
		t.Fatalf("location %s, origin %+v", s.Location, s.Origin)
	}
}

// The customer: a bearer token on the API (a bad one refuses the request, another scheme
// is not ours), the customer cookie on the pages (a bad one makes a guest whose cookie
// the page clears).
func TestCustomer(t *testing.T) {
	f := newFixture(t)
	s, err := f.read(t, shopper.API, "/graphql", header("Authorization", "Bearer "+f.token))
	if err != nil || s.CustomerID() != f.customer.ID || s.Token != f.token || s.Pricing().CustomerGroupID != 1 {
		t.Fatalf("bearer: %+v %v", s, err)
	}
	if _, err := f.read(t, shopper.API, "/graphql", header("Authorization", "Bearer nope")); !errors.Is(err, shopper.ErrBadToken) {
		t.Fatalf("bad bearer: %v", err)
	}
	if s, err := f.read(t, shopper.API, "/graphql", header("Authorization", "Basic dXNlcjpwYXNz")); err != nil || s.Customer != nil {
		t.Fatalf("basic credentials: %+v %v", s, err)
	}
	if s, err := f.read(t, shopper.API, "/graphql", cookie(shopper.CustomerCookie, f.token)); err != nil || s.Customer != nil {
		t.Fatalf("the API read the pages' cookie: %+v %v", s, err)
	}
	if s, err := f.read(t, shopper.Pages, "/store", cookie(shopper.CustomerCookie, f.token)); err != nil || s.CustomerID() != f.customer.ID {
		t.Fatalf("cookie: %+v %v", s, err)
	}
	s, err = f.read(t, shopper.Pages, "/store", cookie(shopper.CustomerCookie, "nope"))
	if err != nil || s.Customer != nil || !s.TokenRefused || s.Pricing().CustomerGroupID != shopper.GuestGroup {
		t.Fatalf("bad cookie: %+v %v", s, err)
	}
}

// The membership: the API's header wins over the cookie, the pages read the cookie only;
// ids come out resolved to the website's local audiences, with the id each came from.
func TestMembership(t *testing.T) {
	f := newFixture(t)
	s, err := f.read(t, shopper.API, "/graphql", all(header(audiences.MembershipName, strings.ToUpper(runners)+",unknown"), cookie(audiences.MembershipName, walkers)))
	if err != nil || len(s.Audiences) != 1 || s.Audiences[0] != 11 || s.CDPIDs[0] != runners {
		t.Fatalf("api header: %+v %v", s, err)
	}
	if s, _ := f.read(t, shopper.API, "/graphql", cookie(audiences.MembershipName, walkers)); len(s.Audiences) != 1 || s.Audiences[0] != 12 {
		t.Fatalf("api cookie: %+v", s)
	}
	if s, _ := f.read(t, shopper.Pages, "/store", all(header(audiences.MembershipName, runners), cookie(audiences.MembershipName, walkers))); len(s.Audiences) != 1 || s.Audiences[0] != 12 {
		t.Fatalf("pages read the header: %+v", s)
	}
	if got := s.Pricing().Audiences; len(got) != 1 {
		t.Fatalf("pricing audiences %v", got)
	}
}

// Refusals: a value over the limit is refused on the API and counts as none on the pages;
// in signed mode an unsigned value counts as none, a value bound to a customer counts for
// that customer only. Each refusal is counted and logged with the request id.
func TestMembershipRefusals(t *testing.T) {
	f := newFixture(t)
	huge := strings.Repeat(runners+",", audiences.MaxMembershipBytes/len(runners))
	if _, err := f.read(t, shopper.API, "/graphql", header(audiences.MembershipName, huge)); !errors.Is(err, audiences.ErrMembershipTooLarge) {
		t.Fatalf("api, too large: %v", err)
	}
	if s, err := f.read(t, shopper.Pages, "/store", cookie(audiences.MembershipName, huge)); err != nil || len(s.Audiences) != 0 || f.reader.Refused() != 1 {
		t.Fatalf("pages, too large: %+v %v, refused %d", s, err, f.reader.Refused())
	}

	f.trust = audiences.Trust{Signed: true, Key: []byte("a signing key of at least 32 characters!")}
	if s, _ := f.read(t, shopper.API, "/graphql", header(audiences.MembershipName, runners)); len(s.Audiences) != 0 || f.reader.Refused() != 2 {
		t.Fatalf("signed mode took an unsigned value: %+v, refused %d", s, f.reader.Refused())
	}
	bound, err := f.trust.Sign([]string{runners}, strconv.FormatInt(f.customer.ID, 10), f.now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := f.read(t, shopper.Pages, "/store", cookie(audiences.MembershipName, bound)); len(s.Audiences) != 0 || f.reader.Refused() != 3 {
		t.Fatalf("a guest used a customer's value: %+v", s)
	}
	s, _ := f.read(t, shopper.Pages, "/store", all(cookie(audiences.MembershipName, bound), cookie(shopper.CustomerCookie, f.token)))
	if len(s.Audiences) != 1 || s.Audiences[0] != 11 || f.reader.Refused() != 3 {
		t.Fatalf("the customer's own value: %+v, refused %d", s, f.reader.Refused())
	}
	if logs := f.logs.String(); strings.Count(logs, "membership refused") != 3 || !strings.Contains(logs, "request_id=req-1") {
		t.Fatalf("logs: %s", logs)
	}
}
