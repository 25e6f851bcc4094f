package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/catalog"
	"audienceactivation/internal/checkout"
	"audienceactivation/internal/money"
	"audienceactivation/internal/stores"
	sview "audienceactivation/templates/storefront"
)

// cartCookie holds the shopper's cart's masked id (never its row id).
const cartCookie = "aa_cart"

// orderCookie carries the number of the order just placed to the page that confirms it.
const orderCookie = "aa_order"

// ctxCart keeps the cart a request has loaded, so the page and its header share one read.
const ctxCart = "store_cart"

// shopperCart is the shopper's active cart on the store view's website; with create, a
// new one is started (and its cookie set) when there is none.
func (s *Server) shopperCart(c echo.Context, sv stores.StoreView, create bool) (*checkout.Cart, error) {
	if cart, ok := c.Get(ctxCart).(*checkout.Cart); ok && (cart != nil || !create) {
		return cart, nil
	}
	ctx := c.Request().Context()
	who, err := s.storeShopper(c)
	if err != nil {
		return nil, err
	}
	if customer := who.Customer; customer != nil {
		// A signed-in customer's cart is theirs, whichever browser they use.
		var cart checkout.Cart
		if create {
			cart, err = s.deps.Checkout.CustomerCart(ctx, customer.ID, sv.WebsiteID, sv.ID, checkout.FlatRateMethod)
		} else {
			cart, err = s.deps.Checkout.FindCustomerCart(ctx, customer.ID, sv.WebsiteID)
		}
		if errors.Is(err, checkout.ErrCartNotFound) {
			c.Set(ctxCart, (*checkout.Cart)(nil))
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		c.Set(ctxCart, &cart)
		return &cart, nil
	}
	cart, err := s.loadCart(c, sv)
	if err != nil || cart != nil || !create {
		c.Set(ctxCart, cart)
		return cart, err
	}
	created, err := s.deps.Checkout.Create(ctx, sv.WebsiteID, sv.ID, 0, checkout.FlatRateMethod)
	if err != nil {
		return nil, err
	}
	c.SetCookie(&http.Cookie{Name: cartCookie, Value: created.MaskedID, Path: "/store", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
	c.Set(ctxCart, &created)
	return &created, nil
}

// loadCart reads the cart the shopper's cookie names, if it is active on the website.
func (s *Server) loadCart(c echo.Context, sv stores.StoreView) (*checkout.Cart, error) {
	ck, err := c.Cookie(cartCookie)
	if err != nil || len(ck.Value) > 64 {
		return nil, nil
	}
	cart, err := s.deps.Checkout.Get(c.Request().Context(), ck.Value)
	switch {
	case errors.Is(err, checkout.ErrCartNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case cart.WebsiteID != sv.WebsiteID || cart.CustomerID != 0:
		// Another website's cart, or a customer's (a guest cookie never opens one).
		return nil, nil
	}
	return &cart, nil
}

// storeProducts lists the website's products.
func (s *Server) storeProducts(c echo.Context) error {
	page, err := s.startPage(c, "Shop")
	if err != nil {
		return err
	}
	products, _, _, err := s.deps.Catalog.List(c.Request().Context(), catalog.Filter{WebsiteID: page.sv.WebsiteID, PerPage: 200})
	if err != nil {
		return err
	}
	tok, _ := c.Get("csrf").(string)
	v := sview.ProductsView{Shell: page.shell, CSRF: tok}
	for _, p := range products {
		v.Products = append(v.Products, productCard(p, page.sv))
	}
	return render(c, http.StatusOK, sview.Products(v))
}

func productCard(p catalog.Product, sv stores.StoreView) sview.ProductCard {
	return sview.ProductCard{SKU: p.SKU, Name: p.Name, Price: money.Display(sv.Currency, p.Price), URL: "/store/products/" + url.PathEscape(p.SKU)}
}

// storeProduct is a product's page, with the product.top placements for the shopper.
func (s *Server) storeProduct(c echo.Context) error {
	sku, err := url.PathUnescape(c.Param("sku"))
	if err != nil || len(sku) > 64 {
		return echo.ErrNotFound
	}
	catalogIndex, err := s.deps.LiveCatalog.Current(c.Request().Context())
	if err != nil {
		return err
	}
	page, err := s.startPage(c, "")
	if err != nil {
		return err
	}
	sv, members := page.sv, page.members
	p, ok := catalogIndex.BySKU([]string{sku})[sku]
	if !ok || !p.OnWebsite(sv.WebsiteID) {
		return echo.ErrNotFound
	}
	shell := page.shell
	shell.Title = p.Name + " — " + sv.Name
	top, err := s.slots(c, sv, "product.top", members, nil)
	if err != nil {
		return err
	}
	tok, _ := c.Get("csrf").(string)
	v := sview.ProductView{Shell: shell, CSRF: tok, Product: productCard(p, sv), Top: top}
	codes := make([]string, 0, len(p.Attributes))
	for code := range p.Attributes {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		v.Attributes = append(v.Attributes, sview.ProductAttribute{Label: strings.ReplaceAll(code, "_", " "), Value: p.Attributes[code]})
	}
	return render(c, http.StatusOK, sview.Product(v))
}

// cartNotice turns the query of a redirect after an action into the message shown.
var cartNotices = map[string]string{"coupon": "The discount code was applied.", "nocoupon": "The discount code was cancelled.",
	"updated": "Your shopping cart was updated."}

// storeCart shows the cart.
func (s *Server) storeCart(c echo.Context) error {
	msg := cartNotices[c.QueryParam("done")]
	if sku := c.QueryParam("added"); sku != "" && len(sku) <= 64 {
		msg = "You added " + sku + " to your shopping cart."
	}
	return s.renderCart(c, http.StatusOK, msg, "", "")
}

func (s *Server) renderCart(c echo.Context, status int, msg, problem, typed string) error {
	page, err := s.startPage(c, "Shopping Cart")
	if err != nil {
		return err
	}
	sv, who, members := page.sv, page.who, page.members
	tok, _ := c.Get("csrf").(string)
	v := sview.CartView{Shell: page.shell, CSRF: tok, Message: msg, Error: problem, Typed: typed}
	// The order number comes from a one-time cookie, not the URL, so a link cannot make
	// the store thank someone for an order they did not place.
	if ck, err := c.Cookie(orderCookie); err == nil && c.QueryParam("placed") != "" && len(ck.Value) <= 32 {
		v.OrderID = ck.Value
		c.SetCookie(&http.Cookie{Name: orderCookie, Value: "", Path: "/store", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
	}
	cart, err := s.shopperCart(c, sv, false)
	if err != nil {
		return err
	}
	var applied []int64
	if cart != nil && len(cart.Lines) > 0 {
		t, err := s.deps.Checkout.Totals(c.Request().Context(), *cart, who)
		if err != nil {
			return err
		}
		cur := sv.Currency
		for i, l := range cart.Lines {
			line := sview.CartLine{ItemID: strconv.FormatInt(l.ID, 10), SKU: l.SKU, Name: l.Item.Name, Price: money.Display(cur, l.Item.Price), Qty: l.Qty,
				Row: money.Display(cur, l.Item.Price*int64(l.Qty)), Discount: "—"}
			if d := t.Result.Items[i].Discount; d > 0 {
				line.Discount = "-" + money.Display(cur, d)
			}
			v.Lines = append(v.Lines, line)
		}
		if t.Result.CouponApplied {
			v.Coupon = cart.CouponCode
		}
		for _, a := range t.Result.Applied {
			label := a.Label
			if label == "" {
				label = "Discount"
			}
			v.Discounts = append(v.Discounts, sview.CartDiscount{Label: label, Amount: money.Display(cur, a.Discount)})
		}
		v.Subtotal, v.Shipping, v.Total = money.Display(cur, t.Subtotal), money.Display(cur, t.Shipping), money.Display(cur, t.GrandTotal)
		for _, a := range t.Result.Applied {
			applied = append(applied, a.RuleID)
		}
	}
	// The cart.top placements: blocks for the shopper, and those related to the rules
	// their cart earned.
	if v.Offers, err = s.slots(c, sv, "cart.top", members, applied); err != nil {
		return err
	}
	return render(c, status, sview.Cart(v))
}

// storeCartAdd adds a product to the cart, starting one when needed.
func (s *Server) storeCartAdd(c echo.Context) error {
	who, err := s.storeShopper(c)
	if err != nil {
		return err
	}
	sv := who.View
	sku := strings.TrimSpace(c.FormValue("sku"))
	qty, err := strconv.Atoi(strings.TrimSpace(c.FormValue("qty")))
	if err != nil {
		return s.renderCart(c, http.StatusUnprocessableEntity, "", checkout.ErrQty.Error(), "")
	}
	cart, err := s.shopperCart(c, sv, true)
	if err != nil {
		return err
	}
	if _, err := s.deps.Checkout.AddItem(c.Request().Context(), *cart, sku, qty); err != nil {
		return s.cartFailure(c, err, "")
	}
	return c.Redirect(http.StatusSeeOther, "/store/cart?added="+url.QueryEscape(sku))
}

// cartAction is the shopper and the cart an action on an existing cart works with; a
// nil cart means the page has already answered (there is no cart).
func (s *Server) cartAction(c echo.Context) (checkout.Shopper, *checkout.Cart, error) {
	shopping, err := s.storeShopper(c)
	if err != nil {
		return checkout.Shopper{}, nil, err
	}
	who := shopping.Pricing()
	cart, err := s.shopperCart(c, shopping.View, false)
	if err != nil || cart != nil {
		return who, cart, err
	}
	return who, nil, s.renderCart(c, http.StatusUnprocessableEntity, "", checkout.ErrEmptyCart.Error(), "")
}

// storeCartUpdate changes the quantities of the cart's lines (0 removes one), or removes
// the line whose Remove button was pressed; all changes or none.
func (s *Server) storeCartUpdate(c echo.Context) error {
	_, cart, err := s.cartAction(c)
	if err != nil || cart == nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "bad form")
	}
	items, qtys := form["item"], form["qty"]
	var changes []checkout.QtyChange
	if remove := form.Get("remove"); remove != "" {
		id, err := strconv.ParseInt(remove, 10, 64)
		if err != nil {
			return s.renderCart(c, http.StatusUnprocessableEntity, "", checkout.ErrNotInCart.Error(), "")
		}
		changes = append(changes, checkout.QtyChange{ItemID: id})
	} else {
		if len(items) != len(qtys) || len(items) > 100 {
			return s.renderCart(c, http.StatusUnprocessableEntity, "", "The cart changed while you were editing it; try again.", "")
		}
		for i := range items {
			id, err1 := strconv.ParseInt(items[i], 10, 64)
			qty, err2 := strconv.Atoi(strings.TrimSpace(qtys[i]))
			if err1 != nil || err2 != nil {
				return s.renderCart(c, http.StatusUnprocessableEntity, "", checkout.ErrQty.Error(), "")
			}
			changes = append(changes, checkout.QtyChange{ItemID: id, Qty: qty})
		}
	}
	if _, err := s.deps.Checkout.UpdateItems(c.Request().Context(), *cart, changes); err != nil {
		return s.cartFailure(c, err, "")
	}
	return c.Redirect(http.StatusSeeOther, "/store/cart?done=updated")
}

// storeCartCoupon applies or cancels the discount code.
func (s *Server) storeCartCoupon(c echo.Context) error {
	who, cart, err := s.cartAction(c)
	if err != nil || cart == nil {
		return err
	}
	code, done := strings.TrimSpace(c.FormValue("coupon_code")), "coupon"
	if c.FormValue("remove") != "" {
		code, done = "", "nocoupon"
	} else if code == "" || len(code) > 255 {
		return s.renderCart(c, http.StatusUnprocessableEntity, "", "Enter a discount code.", code)
	}
	if _, err := s.deps.Checkout.SetCoupon(c.Request().Context(), *cart, code, who); err != nil {
		return s.cartFailure(c, err, code)
	}
	return c.Redirect(http.StatusSeeOther, "/store/cart?done="+done)
}

// storeCartPlace places the order and forgets the cart.
func (s *Server) storeCartPlace(c echo.Context) error {
	who, cart, err := s.cartAction(c)
	if err != nil || cart == nil {
		return err
	}
	o, err := s.deps.Checkout.PlaceOrder(c.Request().Context(), *cart, who, false)
	if err != nil {
		return s.cartFailure(c, err, "")
	}
	c.SetCookie(&http.Cookie{Name: cartCookie, Value: "", Path: "/store", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
	c.SetCookie(&http.Cookie{Name: orderCookie, Value: o.IncrementID, Path: "/store", MaxAge: 300, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
	return c.Redirect(http.StatusSeeOther, "/store/cart?placed=1")
}

// cartFailure shows the cart with a shopper's error (422), or passes a server fault on.
func (s *Server) cartFailure(c echo.Context, err error, typed string) error {
	if checkout.IsShopperError(err) {
		return s.renderCart(c, http.StatusUnprocessableEntity, "", err.Error(), typed)
	}
	return err
}
