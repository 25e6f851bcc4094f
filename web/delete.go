package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/stores"
	"audienceactivation/templates/confirm"
	"audienceactivation/templates/layout"
)

// Deleting asks first, on a page of its own (GET …/delete), so that it works without
// JavaScript; the page's form posts to the same address. Where something depends on the
// record, the page says why it cannot be deleted instead.

// deleteURL is a saved record's "ask before deleting" address; "" for a new one.
func deleteURL(base string, id int64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprintf("%s/%d/delete", base, id)
}

// load reads the :id of the path and the record it names; a record that is not there is
// the domain's ErrNotFound, which the error handler turns into the 404 page.
func load[T any](c echo.Context, get func(context.Context, int64) (T, error)) (int64, T, error) {
	var zero T
	id, err := idParam(c)
	if err != nil {
		return 0, zero, err
	}
	x, err := get(c.Request().Context(), id)
	return id, x, err
}

func (s *Server) confirmPage(c echo.Context, nav string, v confirm.View) error {
	v.Base = s.base(c, "Delete?", nav)
	if v.Button == "" {
		v.Button = "Delete"
	}
	v.Action = c.Request().URL.Path
	return render(c, http.StatusOK, confirm.Page(v))
}

func (s *Server) ruleDeleteConfirm(c echo.Context) error {
	id, r, err := load(c, s.deps.PriceRules.Get)
	if err != nil {
		return err
	}
	v := confirm.View{Question: fmt.Sprintf("Delete the cart price rule “%s”?", r.Name), Cancel: fmt.Sprintf("/admin/price-rules/%d/edit", id),
		Details: []string{"Its coupons go with it; orders already placed keep the discount they got.", "This cannot be undone: export the rules first to keep a copy."}}
	return s.confirmPage(c, layout.NavPriceRules, v)
}

func (s *Server) ruleDelete(c echo.Context) error {
	id, r, err := load(c, s.deps.PriceRules.Get)
	if err != nil {
		return err
	}
	if _, err := s.deps.PriceRules.Delete(c.Request().Context(), actor(c), []int64{id}); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/price-rules", flashSuccess, fmt.Sprintf("You deleted the rule %q.", r.Name))
}

func (s *Server) blockDeleteConfirm(c echo.Context) error {
	id, b, err := load(c, s.deps.Blocks.Block)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v := confirm.View{Question: fmt.Sprintf("Delete the dynamic block “%s”?", b.Name), Cancel: fmt.Sprintf("/admin/dynamic-blocks/%d/edit", id)}
	if ps, err := s.deps.Blocks.PlacementsShowing(ctx, b); err == nil && len(ps) > 0 {
		v.Details = append(v.Details, fmt.Sprintf("It leaves the %d placement(s) that show it; the placements stay.", len(ps)))
	}
	v.Details = append(v.Details, "This cannot be undone.")
	return s.confirmPage(c, layout.NavBlocks, v)
}

func (s *Server) blockDelete(c echo.Context) error {
	id, b, err := load(c, s.deps.Blocks.Block)
	if err != nil {
		return err
	}
	if _, err := s.deps.Blocks.DeleteBlocks(c.Request().Context(), actor(c), []int64{id}); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/dynamic-blocks", flashSuccess, fmt.Sprintf("You deleted the dynamic block %q.", b.Name))
}

func (s *Server) placementDeleteConfirm(c echo.Context) error {
	id, p, err := load(c, s.deps.Blocks.Placement)
	if err != nil {
		return err
	}
	v := confirm.View{Question: fmt.Sprintf("Delete the placement “%s” (%s)?", p.Title, locationLabel(p.Location)),
		Cancel:  fmt.Sprintf("/admin/dynamic-blocks/placements/%d/edit", id),
		Details: []string{"The blocks it shows stop showing through it at once (other placements on the same location go on); the blocks themselves stay."}}
	return s.confirmPage(c, layout.NavPlacements, v)
}

func (s *Server) placementDelete(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	err = s.deps.Blocks.DeletePlacement(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/dynamic-blocks/placements", flashSuccess, "You deleted the placement.")
}

func (s *Server) customerDeleteConfirm(c echo.Context) error {
	id, cu, err := load(c, s.deps.Customers.Get)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	hasOrders, err := s.deps.Checkout.CustomerHasOrders(ctx, id)
	if err != nil {
		return err
	}
	v := confirm.View{Question: fmt.Sprintf("Delete the customer %s?", cu.Email), Cancel: fmt.Sprintf("/admin/customers/%d/edit", id),
		Details: []string{"Their address book and cart go with the account, and they are signed out everywhere."}}
	if hasOrders {
		v.Question = fmt.Sprintf("Deactivate the customer %s?", cu.Email)
		v.Details = []string{"They have orders, so the account is kept for them and deactivated instead: they cannot sign in, and are signed out everywhere.",
			"You can activate the account again from its page."}
		v.Button = "Deactivate"
	}
	return s.confirmPage(c, layout.NavCustomers, v)
}

func (s *Server) customerDelete(c echo.Context) error {
	id, cu, err := load(c, s.deps.Customers.Get)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	hasOrders, err := s.deps.Checkout.CustomerHasOrders(ctx, id)
	if err != nil {
		return err
	}
	deactivated, err := s.deps.Customers.Delete(ctx, actor(c), id, hasOrders)
	if err != nil {
		return err
	}
	msg := "You deleted the customer " + cu.Email + "."
	if deactivated {
		msg = "The customer " + cu.Email + " has orders, so the account was deactivated rather than deleted."
	}
	return s.redirectWithFlash(c, "/admin/customers", flashSuccess, msg)
}

// websiteDeleteConfirm asks before a website goes, or says why it cannot (the default).
func (s *Server) websiteDeleteConfirm(c echo.Context) error {
	id, w, err := load(c, s.deps.Stores.Website)
	if err != nil {
		return err
	}
	v := confirm.View{Question: fmt.Sprintf("Delete the website “%s” (%s)?", w.Name, w.Code), Cancel: fmt.Sprintf("/admin/stores/websites/%d/edit", id),
		Details: []string{"Rules, blocks and audiences stop applying to it; its configuration values are no longer used."}}
	if w.IsDefault {
		v.Refusal = "The default website cannot be deleted: the storefront and the configuration fall back to it."
	} else if views, err := s.deps.Stores.StoreViews(c.Request().Context()); err == nil {
		n := 0
		for _, sv := range views {
			if sv.WebsiteID == w.ID {
				n++
			}
		}
		if n > 0 {
			v.Refusal = fmt.Sprintf("The website still has %s: delete them first (from Stores › All Stores).", countOf(n, "store view", "store views"))
		}
	}
	return s.confirmPage(c, layout.NavStores, v)
}

func (s *Server) websiteDelete(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	err = s.deps.Stores.DeleteWebsite(c.Request().Context(), actor(c), id)
	return s.afterStoreDelete(c, err, fmt.Sprintf("/admin/stores/websites/%d/edit", id), "You deleted the website.")
}

func (s *Server) storeViewDeleteConfirm(c echo.Context) error {
	id, sv, err := load(c, s.deps.Stores.StoreView)
	if err != nil {
		return err
	}
	v := confirm.View{Question: fmt.Sprintf("Delete the store view “%s” (%s)?", sv.Name, sv.Code), Cancel: fmt.Sprintf("/admin/stores/views/%d/edit", id),
		Details: []string{"Storefronts that send its code in the Store header get the website's default store view; its labels and block content go with it."}}
	if sv.IsDefault {
		v.Refusal = "This is its website's default store view: make another store view the default first."
	}
	return s.confirmPage(c, layout.NavStores, v)
}

func (s *Server) storeViewDelete(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	err = s.deps.Stores.DeleteStoreView(c.Request().Context(), actor(c), id)
	return s.afterStoreDelete(c, err, fmt.Sprintf("/admin/stores/views/%d/edit", id), "You deleted the store view.")
}

// afterStoreDelete goes back to the stores with the outcome; a refusal says why.
func (s *Server) afterStoreDelete(c echo.Context, err error, back, done string) error {
	var inUse *stores.InUseError
	switch {
	case errors.As(err, &inUse):
		return s.redirectWithFlash(c, back, flashError, "Nothing was deleted. "+inUse.Reason)
	case err != nil:
		return err
	}
	if s.deps.LiveStoreViews != nil {
		s.deps.LiveStoreViews.Reload()
	}
	return s.redirectWithFlash(c, "/admin/stores", flashSuccess, done)
}

// countOf words a count: "1 store view", "2 store views".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
