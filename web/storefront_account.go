package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/auth"
	"audienceactivation/internal/checkout"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/shopper"
	sview "audienceactivation/templates/storefront"
)

// errSignInRefused is the one answer to a failed storefront sign-in, whatever failed, as
// Magento words it.
const errSignInRefused = "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."

// setCustomerCookie keeps a signed-in shopper's customer token (stored hashed on our side,
// as the API's tokens are) in shopper.CustomerCookie, or clears it.
func (s *Server) setCustomerCookie(c echo.Context, token string) {
	ck := &http.Cookie{Name: shopper.CustomerCookie, Value: token, Path: "/store", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https",
		MaxAge: int(customers.TokenLifetime.Seconds())}
	if token == "" {
		ck.MaxAge = -1
	}
	c.SetCookie(ck)
}

// storeLogin shows the sign-in form.
func (s *Server) storeLogin(c echo.Context) error {
	return s.renderLogin(c, http.StatusOK, "", "")
}

func (s *Server) renderLogin(c echo.Context, status int, email, problem string) error {
	page, err := s.startPage(c, "Customer Login")
	if err != nil {
		return err
	}
	tok, _ := c.Get("csrf").(string)
	return render(c, status, sview.Login(sview.LoginView{Shell: page.shell, CSRF: tok, Email: email, Error: problem}))
}

// storeLoginSubmit signs a customer in: their guest cart joins their customer cart, and
// their customer group's rules apply from now on.
func (s *Server) storeLoginSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := s.storeShopper(c)
	if err != nil {
		return err
	}
	sv := who.View
	email, password := strings.TrimSpace(c.FormValue("email")), c.FormValue("password")
	if email == "" || password == "" || len(email) > 255 || len(password) > 256 {
		return s.renderLogin(c, http.StatusUnprocessableEntity, email, "Enter your email and password.")
	}
	key := fmt.Sprintf("customer:%d:%s", sv.WebsiteID, strings.ToLower(email))
	if _, err := s.deps.Auth.Attempt(ctx, key, ""); err != nil {
		var te *auth.ThrottledError
		if errors.As(err, &te) {
			return s.renderLogin(c, http.StatusTooManyRequests, email, errSignInRefused)
		}
		return err
	}
	cu, err := s.deps.Customers.Authenticate(ctx, sv.WebsiteID, email, password)
	if errors.Is(err, customers.ErrNotFound) {
		return s.renderLogin(c, http.StatusUnprocessableEntity, email, errSignInRefused)
	} else if err != nil {
		return err
	}
	if err := s.deps.Auth.Forget(ctx, key); err != nil {
		return err
	}
	token, err := s.deps.Customers.IssueToken(ctx, cu.ID, s.deps.Now())
	if err != nil {
		return err
	}
	if guest, err := s.loadCart(c, sv); err != nil {
		return err
	} else if guest != nil && len(guest.Lines) > 0 {
		mine, err := s.deps.Checkout.CustomerCart(ctx, cu.ID, sv.WebsiteID, sv.ID, checkout.FlatRateMethod)
		if err != nil {
			return err
		}
		if _, err := s.deps.Checkout.Merge(ctx, *guest, mine); err != nil && !checkout.IsShopperError(err) {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: cartCookie, Value: "", Path: "/store", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
	s.setCustomerCookie(c, token)
	return c.Redirect(http.StatusSeeOther, "/store")
}

// storeLogout signs the customer out and ends the token.
func (s *Server) storeLogout(c echo.Context) error {
	if ck, err := c.Cookie(shopper.CustomerCookie); err == nil && ck.Value != "" {
		if err := s.deps.Customers.RevokeToken(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	s.setCustomerCookie(c, "")
	return c.Redirect(http.StatusSeeOther, "/store")
}
