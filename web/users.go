package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/auth"
	"audienceactivation/internal/validation"
	"audienceactivation/templates/layout"
	usersview "audienceactivation/templates/users"
)

func (s *Server) usersList(c echo.Context) error {
	us, err := s.deps.Auth.List(c.Request().Context())
	if err != nil {
		return err
	}
	rows := make([]usersview.Row, 0, len(us))
	for _, u := range us {
		r := usersview.Row{ID: u.ID, Username: u.Username, Email: u.Email, Role: auth.RoleLabel(u.Role), Status: "Active",
			LastLogin: "Never", EditURL: fmt.Sprintf("/admin/users/%d/edit", u.ID)}
		if !u.IsActive {
			r.Status = "Inactive"
		}
		r.TwoFactor = "Not set up"
		if u.TwoFactorEnabled() {
			r.TwoFactor = "On"
		}
		if u.LastLoginAt != nil {
			r.LastLogin = formatTime(*u.LastLoginAt)
		}
		rows = append(rows, r)
	}
	return render(c, http.StatusOK, usersview.List(usersview.ListView{Base: s.base(c, "Admin Users", layout.NavUsers), Rows: rows}))
}

func (s *Server) userForm(c echo.Context, status int, f usersview.Form) error {
	title, action := "New User", "/admin/users"
	if f.ID != 0 {
		title, action = "Edit User: "+f.Username, fmt.Sprintf("/admin/users/%d", f.ID)
	}
	f.Base, f.Action, f.IsSelf = s.base(c, title, layout.NavUsers), action, f.ID != 0 && f.ID == currentAdmin(c).ID
	for _, r := range auth.Roles {
		f.Roles = append(f.Roles, usersview.RoleOption{Key: r.Key, Label: r.Label, Summary: r.Summary})
	}
	if f.Role == "" {
		f.Role = auth.RoleAdministrator
	}
	return render(c, status, usersview.Edit(f))
}

func (s *Server) userNew(c echo.Context) error {
	return s.userForm(c, http.StatusOK, usersview.Form{IsActive: true})
}

func (s *Server) userEdit(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	u, err := s.deps.Auth.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	f := usersview.Form{ID: u.ID, Username: u.Username, Email: u.Email, IsActive: u.IsActive, Role: u.Role}
	twoFactorStatus(&f, u, currentAdmin(c).ID)
	return s.userForm(c, http.StatusOK, f)
}

// twoFactorStatus describes u's two-factor sign-in on the form, and offers a reset of
// another user's enrolment (one's own is reset from the command line, so that an admin
// cannot lock themself out mid-session).
func twoFactorStatus(f *usersview.Form, u auth.User, self int64) {
	if u.TOTPEnabledAt != nil {
		f.TwoFactor = "On since " + formatTime(*u.TOTPEnabledAt)
		f.CanReset = u.ID != self
	} else {
		f.TwoFactor = "Not set up yet: the user sets it up at their next sign-in."
	}
}

// confirmPassword checks the new password's confirmation and the acting admin's own
// password, which every change to an account needs.
func (s *Server) confirmPassword(c echo.Context, ve validation.Errors) error {
	if pw := c.FormValue("password"); pw != "" && pw != c.FormValue("password_confirm") {
		ve.Add("password_confirm", "The passwords do not match.")
	}
	ok, err := s.deps.Auth.VerifyPassword(c.Request().Context(), currentAdmin(c).ID, c.FormValue("current_password"))
	if err != nil {
		return err
	}
	if !ok {
		ve.Add("current_password", "Enter your own password to confirm this change.")
	}
	return nil
}

func (s *Server) userCreate(c echo.Context) error {
	ctx := c.Request().Context()
	f := usersview.Form{Username: c.FormValue("username"), Email: c.FormValue("email"), IsActive: true, Role: c.FormValue("role")}
	in := auth.NewUser{Username: f.Username, Email: f.Email, Password: c.FormValue("password"), Role: f.Role}
	ve := auth.ValidateNewUser(in)
	if err := s.confirmPassword(c, ve); err != nil {
		return err
	}
	if len(ve) > 0 {
		f.Errors = ve
		return s.userForm(c, http.StatusUnprocessableEntity, f)
	}
	u, err := s.deps.Auth.Create(ctx, actor(c), in)
	if errors.As(err, &ve) {
		f.Errors = ve
		return s.userForm(c, http.StatusUnprocessableEntity, f)
	} else if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/users", flashSuccess, fmt.Sprintf("You saved the user %q.", u.Username))
}

func (s *Server) userUpdate(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := idParam(c)
	if err != nil {
		return err
	}
	current, err := s.deps.Auth.Get(ctx, id)
	if err != nil {
		return err
	}
	f := usersview.Form{ID: id, Username: current.Username, Email: c.FormValue("email"), IsActive: c.FormValue("is_active") == "1", Role: c.FormValue("role")}
	twoFactorStatus(&f, current, currentAdmin(c).ID)
	ve := validation.Errors{}
	if err := s.confirmPassword(c, ve); err != nil {
		return err
	}
	if len(ve) > 0 {
		f.Errors = ve
		return s.userForm(c, http.StatusUnprocessableEntity, f)
	}
	password := c.FormValue("password")
	_, after, err := s.deps.Auth.Update(ctx, actor(c), currentAdmin(c).ID, id, auth.Changes{Email: f.Email, IsActive: f.IsActive, Password: password, Role: f.Role})
	switch {
	case errors.As(err, &ve):
		f.Errors = ve
		return s.userForm(c, http.StatusUnprocessableEntity, f)
	case errors.Is(err, auth.ErrSelfDeactivate):
		f.Errors = validation.Errors{"is_active": "You cannot deactivate your own account."}
		return s.userForm(c, http.StatusUnprocessableEntity, f)
	case errors.Is(err, auth.ErrSelfRole):
		f.Errors = validation.Errors{"role": "You cannot change your own role."}
		return s.userForm(c, http.StatusUnprocessableEntity, f)
	case errors.Is(err, auth.ErrLastAdministrator):
		f.Errors = validation.Errors{"role": "This is the last active administrator: make another user an administrator first."}
		return s.userForm(c, http.StatusUnprocessableEntity, f)
	case err != nil:
		return err
	}
	if c.FormValue("reset_2fa") == "1" && f.CanReset {
		if err := s.deps.Auth.ResetTwoFactor(ctx, actor(c), id); err != nil {
			return err
		}
	}
	if id == currentAdmin(c).ID && password != "" {
		// The password change revoked every session of this user, this one included: start a
		// fresh one so the person who changed it stays signed in here.
		st, err := s.sessions.load(c)
		if err != nil {
			return err
		}
		if err := s.sessions.signIn(c, after, st.secondFactor); err != nil {
			return err
		}
	}
	return s.redirectWithFlash(c, "/admin/users", flashSuccess, fmt.Sprintf("You saved the user %q.", after.Username))
}
