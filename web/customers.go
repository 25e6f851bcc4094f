package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/auth"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/validation"
	cuview "audienceactivation/templates/customers"
	"audienceactivation/templates/layout"
)

// customersGrid is Customers › All Customers as the column chooser and the export see it.
var customersGrid = registerGrid(&gridDef{name: "customers", base: "/admin/customers", perm: auth.PermCustomersRead, file: "customers",
	keys: []string{"q", "page"},
	columns: []gridColumn{{key: "id", label: "ID"}, {key: "email", label: "Email", fixed: true}, {key: "name", label: "Name"},
		{key: "group", label: "Group"}, {key: "website", label: "Website"}, {key: "created", label: "Since"},
		{key: "status", label: "Status", csvOnly: true}}})

func (s *Server) customersList(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := s.grid(c, customersGrid)
	if err != nil {
		return err
	}
	page := pageParam(g.q)
	v := cuview.ListView{Base: s.base(c, "Customers", layout.NavCustomers), Search: validation.Clean(g.q.Get("q"), 255)}
	cs, n, err := s.deps.Customers.List(ctx, v.Search, page, g.perPage)
	if err != nil {
		return err
	}
	groups, websites, err := s.groupAndWebsiteNames(c)
	if err != nil {
		return err
	}
	for _, cu := range cs {
		v.Rows = append(v.Rows, cuview.Row{ID: cu.ID, Email: cu.Email, Name: cu.Firstname + " " + cu.Lastname, Group: groups[cu.GroupID],
			Website: websites[cu.WebsiteID], Created: formatTime(cu.CreatedAt), EditURL: fmt.Sprintf("/admin/customers/%d/edit", cu.ID), Inactive: !cu.IsActive})
	}
	v.Pager = g.pager(page, n, 0, "customers")
	v.Tools = g.tools(v.CSRF)
	return render(c, http.StatusOK, cuview.List(v))
}

// customersCSV exports the customers the search matches (every page).
func (s *Server) customersCSV(c echo.Context) error {
	g, err := s.grid(c, customersGrid)
	if err != nil {
		return err
	}
	search := validation.Clean(g.q.Get("q"), 255)
	cs, n, err := exportRows(func(page, perPage int) ([]customers.Customer, int64, error) {
		return s.deps.Customers.List(c.Request().Context(), search, page, perPage)
	})
	if err != nil {
		return err
	}
	groups, websites, err := s.groupAndWebsiteNames(c)
	if err != nil {
		return err
	}
	rows := make([]map[string]string, len(cs))
	for i, cu := range cs {
		status := "Active"
		if !cu.IsActive {
			status = "Inactive"
		}
		rows[i] = map[string]string{"id": strconv.FormatInt(cu.ID, 10), "email": cu.Email, "name": strings.TrimSpace(cu.Firstname + " " + cu.Lastname),
			"group": groups[cu.GroupID], "website": websites[cu.WebsiteID], "created": cu.CreatedAt.UTC().Format(time.RFC3339), "status": status}
	}
	return writeGridCSV(c, g, rows, n)
}

func (s *Server) groupAndWebsiteNames(c echo.Context) (map[int64]string, map[int64]string, error) {
	ctx := c.Request().Context()
	gs, err := s.deps.Stores.CustomerGroups(ctx)
	if err != nil {
		return nil, nil, err
	}
	ws, err := s.deps.Stores.Websites(ctx)
	if err != nil {
		return nil, nil, err
	}
	groups, websites := map[int64]string{}, map[int64]string{}
	for _, g := range gs {
		groups[g.ID] = g.Code
	}
	for _, w := range ws {
		websites[w.ID] = w.Name
	}
	return groups, websites, nil
}

func (s *Server) customerForm(c echo.Context, status int, id int64, in customers.Input, errs validation.Errors) error {
	ctx := c.Request().Context()
	title, action := "New Customer", "/admin/customers"
	if id != 0 {
		title, action = "Edit Customer: "+in.Email, fmt.Sprintf("/admin/customers/%d", id)
	}
	f := cuview.Form{Base: s.base(c, title, layout.NavCustomers), ID: id, Action: action, Email: in.Email, Firstname: in.Firstname, Lastname: in.Lastname,
		Active: !in.Inactive, Errors: errs}
	if id != 0 {
		f.DeleteURL = fmt.Sprintf("/admin/customers/%d/delete", id)
	}
	ws, err := s.deps.Stores.Websites(ctx)
	if err != nil {
		return err
	}
	for _, w := range ws {
		f.Websites = append(f.Websites, cuview.Option{Value: strconv.FormatInt(w.ID, 10), Label: w.Name, Selected: w.ID == in.WebsiteID})
	}
	gs, err := s.deps.Stores.CustomerGroups(ctx)
	if err != nil {
		return err
	}
	for _, g := range gs {
		if g.ID == 0 {
			continue // NOT LOGGED IN is for guests
		}
		f.Groups = append(f.Groups, cuview.Option{Value: strconv.FormatInt(g.ID, 10), Label: g.Code, Selected: g.ID == in.GroupID})
	}
	return render(c, status, cuview.Edit(f))
}

func (s *Server) customerNew(c echo.Context) error {
	return s.customerForm(c, http.StatusOK, 0, customers.Input{GroupID: 1}, nil)
}

func (s *Server) customerEdit(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	cu, err := s.deps.Customers.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.customerForm(c, http.StatusOK, id, customers.Input{WebsiteID: cu.WebsiteID, Email: cu.Email, Firstname: cu.Firstname, Lastname: cu.Lastname, GroupID: cu.GroupID, Inactive: !cu.IsActive}, nil)
}

func (s *Server) customerCreate(c echo.Context) error { return s.customerSave(c, 0) }

func (s *Server) customerUpdate(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return s.customerSave(c, id)
}

func (s *Server) customerSave(c echo.Context, id int64) error {
	in := customers.Input{Email: c.FormValue("email"), Firstname: c.FormValue("firstname"), Lastname: c.FormValue("lastname"), Password: c.FormValue("password"),
		Inactive: c.FormValue("is_active") != "1"}
	in.WebsiteID, _ = strconv.ParseInt(c.FormValue("website_id"), 10, 64)
	in.GroupID, _ = strconv.ParseInt(c.FormValue("group_id"), 10, 64)
	cu, err := s.deps.Customers.Save(c.Request().Context(), actor(c), id, in)
	var ve validation.Errors
	switch {
	case errors.As(err, &ve):
		return s.customerForm(c, http.StatusUnprocessableEntity, id, in, ve)
	case err != nil:
		return err
	}
	return s.redirectWithFlash(c, "/admin/customers", flashSuccess, fmt.Sprintf("You saved the customer %s.", cu.Email))
}
