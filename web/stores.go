package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/stores"
	"audienceactivation/internal/validation"
	"audienceactivation/templates/layout"
	storesview "audienceactivation/templates/stores"
)

func idParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

func (s *Server) storesList(c echo.Context) error {
	ctx := c.Request().Context()
	ws, err := s.deps.Stores.Websites(ctx)
	if err != nil {
		return err
	}
	vs, err := s.deps.Stores.StoreViews(ctx)
	if err != nil {
		return err
	}
	rows := make([]storesview.Row, 0, len(ws))
	for _, w := range ws {
		r := storesview.Row{ID: w.ID, Code: w.Code, Name: w.Name, IsDefault: w.IsDefault, EditURL: fmt.Sprintf("/admin/stores/websites/%d/edit", w.ID)}
		for _, v := range vs {
			if v.WebsiteID != w.ID {
				continue
			}
			status := "Enabled"
			if !v.IsActive {
				status = "Disabled"
			}
			r.Views = append(r.Views, storesview.ViewRow{ID: v.ID, Code: v.Code, Name: v.Name, Currency: v.Currency, Timezone: v.Timezone,
				Status: status, IsDefault: v.IsDefault, EditURL: fmt.Sprintf("/admin/stores/views/%d/edit", v.ID)})
		}
		rows = append(rows, r)
	}
	return render(c, http.StatusOK, storesview.List(storesview.ListView{Base: s.base(c, "Stores", layout.NavStores), Rows: rows}))
}

func (s *Server) websiteForm(c echo.Context, status int, w stores.Website, errs validation.Errors) error {
	title, action := "New Website", "/admin/stores/websites"
	if w.ID != 0 {
		title, action = "Edit Website: "+w.Name, fmt.Sprintf("/admin/stores/websites/%d", w.ID)
	}
	f := storesview.WebsiteForm{Base: s.base(c, title, layout.NavStores), ID: w.ID, Code: w.Code, Name: w.Name, Errors: errs, Action: action}
	if w.ID != 0 {
		f.DeleteURL = fmt.Sprintf("/admin/stores/websites/%d/delete", w.ID)
	}
	return render(c, status, storesview.EditWebsite(f))
}

func (s *Server) websiteNew(c echo.Context) error {
	return s.websiteForm(c, http.StatusOK, stores.Website{}, nil)
}

func (s *Server) websiteEdit(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	w, err := s.deps.Stores.Website(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.websiteForm(c, http.StatusOK, w, nil)
}

func (s *Server) websiteCreate(c echo.Context) error { return s.websiteSave(c, 0) }

func (s *Server) websiteUpdate(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return s.websiteSave(c, id)
}

func (s *Server) websiteSave(c echo.Context, id int64) error {
	ctx := c.Request().Context()
	in := stores.Website{ID: id, Code: c.FormValue("code"), Name: c.FormValue("name")}
	if id != 0 {
		old, err := s.deps.Stores.Website(ctx, id)
		if err != nil {
			return err
		}
		in.Code = old.Code
	}
	w, err := s.deps.Stores.SaveWebsite(ctx, actor(c), in)
	var ve validation.Errors
	if errors.As(err, &ve) {
		return s.websiteForm(c, http.StatusUnprocessableEntity, in, ve)
	} else if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/stores", flashSuccess, fmt.Sprintf("You saved the website %q.", w.Name))
}

func (s *Server) storeViewForm(c echo.Context, status int, v stores.StoreView, errs validation.Errors) error {
	ctx := c.Request().Context()
	ws, err := s.deps.Stores.Websites(ctx)
	if err != nil {
		return err
	}
	f := storesview.StoreViewForm{ID: v.ID, WebsiteID: strconv.FormatInt(v.WebsiteID, 10), Code: v.Code, Name: v.Name,
		Currency: v.Currency, Timezone: v.Timezone, IsActive: v.IsActive, IsDefault: v.IsDefault, Errors: errs}
	if v.ID != 0 {
		f.DeleteURL = fmt.Sprintf("/admin/stores/views/%d/delete", v.ID)
	}
	for _, w := range ws {
		f.Websites = append(f.Websites, storesview.Option{Value: strconv.FormatInt(w.ID, 10), Label: w.Name})
	}
	for _, cur := range stores.Currencies {
		f.Currencies = append(f.Currencies, storesview.Option{Value: cur, Label: cur})
	}
	tzs := stores.Timezones
	if v.Timezone != "" && !contains(tzs, v.Timezone) {
		tzs = append([]string{v.Timezone}, tzs...)
	}
	for _, tz := range tzs {
		f.Timezones = append(f.Timezones, storesview.Option{Value: tz, Label: tz})
	}
	title, action := "New Store View", "/admin/stores/views"
	if v.ID != 0 {
		title, action = "Edit Store View: "+v.Name, fmt.Sprintf("/admin/stores/views/%d", v.ID)
	}
	f.Base, f.Action = s.base(c, title, layout.NavStores), action
	return render(c, status, storesview.EditStoreView(f))
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Server) storeViewNew(c echo.Context) error {
	ws, err := s.deps.Stores.Websites(c.Request().Context())
	if err != nil {
		return err
	}
	v := stores.StoreView{Currency: "USD", Timezone: "UTC", IsActive: true}
	if len(ws) > 0 {
		v.WebsiteID = ws[0].ID
	}
	if id, err := strconv.ParseInt(c.QueryParam("website"), 10, 64); err == nil {
		v.WebsiteID = id
	}
	// A new view starts with the currency and timezone of the store's default view.
	if views, err := s.deps.Stores.StoreViews(c.Request().Context()); err == nil {
		for _, sv := range views {
			if sv.IsDefault {
				v.Currency, v.Timezone = sv.Currency, sv.Timezone
				break
			}
		}
	}
	return s.storeViewForm(c, http.StatusOK, v, nil)
}

func (s *Server) storeViewEdit(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	v, err := s.deps.Stores.StoreView(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.storeViewForm(c, http.StatusOK, v, nil)
}

func (s *Server) storeViewCreate(c echo.Context) error { return s.storeViewSave(c, 0) }

func (s *Server) storeViewUpdate(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return s.storeViewSave(c, id)
}

func (s *Server) storeViewSave(c echo.Context, id int64) error {
	ctx := c.Request().Context()
	websiteID, _ := strconv.ParseInt(c.FormValue("website_id"), 10, 64)
	in := stores.StoreView{ID: id, WebsiteID: websiteID, Code: c.FormValue("code"), Name: c.FormValue("name"),
		Currency: c.FormValue("currency"), Timezone: c.FormValue("timezone"),
		IsActive: c.FormValue("is_active") == "1", IsDefault: c.FormValue("is_default") == "1"}
	if id != 0 {
		old, err := s.deps.Stores.StoreView(ctx, id)
		if err != nil {
			return err
		}
		in.Code = old.Code
	}
	v, err := s.deps.Stores.SaveStoreView(ctx, actor(c), in)
	var ve validation.Errors
	if errors.As(err, &ve) {
		return s.storeViewForm(c, http.StatusUnprocessableEntity, in, ve)
	} else if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/stores", flashSuccess, fmt.Sprintf("You saved the store view %q.", v.Name))
}
