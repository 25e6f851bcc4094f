package web

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/checkout"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/shopper"
	"audienceactivation/internal/stores"
	sview "audienceactivation/templates/storefront"
)

// rotationCookie keeps the series and shuffle positions of the shopper, so the server
// stays stateless.
const rotationCookie = "aa_rotation"

// storeShopper is who is shopping on a /store request: store view, customer and
// audiences, read once per request by the same reader as the GraphQL API's (the Pages
// channel: ?store=, the Store header or the switcher's cookie; the customer cookie; the
// membership cookie). A customer cookie that no longer names a customer (expired,
// revoked, another website's) signs the shopper out.
func (s *Server) storeShopper(c echo.Context) (*shopper.Shopper, error) {
	if who, ok := c.Get(ctxShopper).(*shopper.Shopper); ok {
		return who, nil
	}
	who, err := s.deps.Shoppers.Read(c.Request().WithContext(withOrigin(c)), shopper.Pages)
	if errors.Is(err, shopper.ErrNoStoreView) {
		return nil, echo.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	if who.TokenRefused {
		s.setCustomerCookie(c, "")
	}
	c.Set(ctxShopper, who)
	return who, nil
}

// ctxShopper keeps the shopper a request has read.
const ctxShopper = "store_shopper"

// storeHome is the reference storefront's home page with the home.hero placements, chosen
// per request from the in-memory snapshots (so page caches stay shareable).
func (s *Server) storeHome(c echo.Context) error {
	page, err := s.startPage(c, "")
	if err != nil {
		return err
	}
	hero, err := s.slots(c, page.sv, "home.hero", page.members, nil)
	if err != nil {
		return err
	}
	v := sview.HomeView{Shell: page.shell, Hero: hero}
	return render(c, http.StatusOK, sview.Home(v))
}

// slots resolves the placements of a location for the shopper from the in-memory blocks
// snapshot — the rules applied to their cart choose the rule-related ones — and keeps the
// series and shuffle positions in the rotation cookie.
func (s *Server) slots(c echo.Context, sv stores.StoreView, location string, members, appliedRules []int64) ([]sview.Slot, error) {
	snap, err := s.deps.LiveBlocks.Current(c.Request().Context())
	if err != nil {
		return nil, err
	}
	states := map[int64]dynamicblocks.PlacementState{}
	if ck, err := c.Cookie(rotationCookie); err == nil {
		states = dynamicblocks.DecodeStates(ck.Value)
	}
	var out []sview.Slot
	for _, p := range snap.Placements(location, sv.ID) {
		r := snap.Resolve(p, &dynamicblocks.Shopper{StoreViewID: sv.ID, Audiences: members, AppliedRuleIDs: appliedRules, Now: s.deps.Now(),
			Location: sv.Location(), State: states[p.ID], Rand: rand.IntN})
		slot := sview.Slot{Placement: p.Title}
		for _, b := range r.Blocks {
			slot.Blocks = append(slot.Blocks, b.HTML)
		}
		states[p.ID] = r.State
		out = append(out, slot)
	}
	if enc := dynamicblocks.EncodeStates(states); enc != "" {
		c.SetCookie(&http.Cookie{Name: rotationCookie, Value: enc, Path: "/store", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
	}
	c.Response().Header().Set("Vary", "Cookie")
	return out, nil
}

// storeSwitch remembers the store view the shopper chose and returns to the page they were
// on (the same website's page, or the home page of another website).
func (s *Server) storeSwitch(c echo.Context) error {
	views, err := s.deps.LiveStoreViews.Current(c.Request().Context())
	if err != nil {
		return err
	}
	code := c.QueryParam("store")
	for _, v := range views {
		if v.Code == code && v.IsActive {
			c.SetCookie(&http.Cookie{Name: shopper.StoreCookie, Value: code, Path: "/store", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
			return c.Redirect(http.StatusSeeOther, "/store")
		}
	}
	return echo.ErrNotFound
}

// storePage is what a storefront page starts from: its store view, who the shopper is
// (customer group and audiences) and the shell around the page.
type storePage struct {
	sv      stores.StoreView
	who     checkout.Shopper
	members []int64
	shell   sview.Shell
}

// startPage reads the store view and the shopper, and builds the shell of a page titled
// title (followed by the store view's name; the name alone when title is empty).
func (s *Server) startPage(c echo.Context, title string) (storePage, error) {
	var p storePage
	who, err := s.storeShopper(c)
	if err != nil {
		return p, err
	}
	p.sv, p.who, p.members = who.View, who.Pricing(), who.Audiences
	if title == "" {
		title = p.sv.Name
	} else {
		title += " — " + p.sv.Name
	}
	p.shell, err = s.storeShell(c, p.sv, p.members, title)
	return p, err
}

// storeShell is what every storefront page shows around its content.
func (s *Server) storeShell(c echo.Context, sv stores.StoreView, members []int64, title string) (sview.Shell, error) {
	ctx := c.Request().Context()
	v := sview.Shell{Title: title, StoreName: sv.Name, Members: len(members), SDKName: "alloy"}
	v.CSRF, _ = c.Get("csrf").(string)
	if views, err := s.deps.LiveStoreViews.Current(ctx); err == nil {
		for _, x := range views {
			if x.IsActive {
				v.StoreViews = append(v.StoreViews, sview.StoreOption{Code: x.Code, Name: x.Name, Selected: x.ID == sv.ID})
			}
		}
	}
	if who, err := s.storeShopper(c); err != nil {
		return v, err
	} else if who.Customer != nil {
		v.Customer = who.Customer.Firstname
	}
	if names, err := s.deps.LiveSDKNames.Current(ctx); err == nil && names[sv.WebsiteID] != "" {
		v.SDKName = names[sv.WebsiteID]
	}
	if s.deps.DemoMode {
		panel, err := s.demoPanel(c, sv.WebsiteID, members)
		if err != nil {
			return v, err
		}
		v.Demo = panel
	}
	if cart, err := s.shopperCart(c, sv, false); err == nil && cart != nil {
		for _, l := range cart.Lines {
			v.CartQty += l.Qty
		}
	}
	return v, nil
}

// demoPanel lists the website's active audiences, marking the shopper's.
func (s *Server) demoPanel(c echo.Context, websiteID int64, members []int64) (*sview.DemoPanel, error) {
	as, sites, err := s.deps.Audiences.All(c.Request().Context())
	if err != nil {
		return nil, err
	}
	tok, _ := c.Get("csrf").(string)
	p := &sview.DemoPanel{CSRF: tok}
	for _, a := range as {
		if a.Status != audiences.StatusActive || !containsID(sites[a.ID], websiteID) {
			continue
		}
		p.Audiences = append(p.Audiences, sview.DemoAudience{CDPID: a.CDPID, Name: a.Name, Member: containsID(members, a.ID)})
	}
	return p, nil
}

// storeDemoMembership sets the membership cookie from the demo panel (demo mode only),
// signed when the store is in signed mode: here the demo plays the merchant's backend.
func (s *Server) storeDemoMembership(c echo.Context) error {
	if !s.deps.DemoMode {
		return echo.ErrNotFound
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "bad form")
	}
	var ids []string
	for _, id := range form["audience"] {
		if id, ok := audiences.NormalizeID(id); ok && len(ids) < audiences.MaxMembershipIDs {
			ids = append(ids, id)
		}
	}
	value := strings.Join(ids, ",")
	if trust, err := s.deps.LiveTrust.Current(c.Request().Context()); err == nil && trust.Signed {
		value = audiences.SignMembership(trust.Key, ids, s.deps.Now().Add(12*time.Hour))
	}
	c.SetCookie(&http.Cookie{Name: audiences.MembershipName, Value: value, Path: "/", SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
	// Back to the storefront page the panel was on (a path of ours only).
	back := "/store"
	if ref, err := url.Parse(c.Request().Referer()); err == nil && ref.Host == c.Request().Host && strings.HasPrefix(ref.Path, "/store") {
		back = ref.Path
	}
	return c.Redirect(http.StatusSeeOther, back)
}
