package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/config"
	"audienceactivation/internal/stores"
	"audienceactivation/internal/validation"
	cfgview "audienceactivation/templates/configuration"
	"audienceactivation/templates/layout"
)

// scopeFromQuery reads ?website=<code>; empty means the default scope.
func (s *Server) scopeFromQuery(c echo.Context) (config.ScopeRef, *stores.Website, error) {
	code := c.QueryParam("website")
	if code == "" {
		return config.Default, nil, nil
	}
	if !validation.IsText(code, false) || len(code) > 32 {
		return config.ScopeRef{}, nil, stores.ErrNotFound
	}
	w, err := s.deps.Stores.WebsiteByCode(c.Request().Context(), code)
	if err != nil {
		return config.ScopeRef{}, nil, err
	}
	ref := config.Website(w.ID)
	ref.Label = "Website: " + w.Name
	return ref, &w, nil
}

func (s *Server) servicesForm(c echo.Context) error {
	ref, w, err := s.scopeFromQuery(c)
	if err != nil {
		return err
	}
	return s.renderServices(c, http.StatusOK, ref, w, servicesExtras{})
}

// servicesExtras is what a failed save or import adds to the page: what the person typed
// and the messages (never the pasted workspace file: it holds the client secret), or a
// Test connection report.
type servicesExtras struct {
	typed     *config.Submission
	errs      validation.Errors
	importErr string
	report    *cfgview.ReportView // a Test connection just run
}

// renderServices builds the page at a scope, with what a failed save or import left.
func (s *Server) renderServices(c echo.Context, status int, ref config.ScopeRef, w *stores.Website, x servicesExtras) error {
	typed, errs, importErr := x.typed, x.errs, x.importErr
	ctx := c.Request().Context()
	state, err := s.deps.StoreConfig.State(ctx, ref)
	if err != nil {
		return err
	}
	websites, err := s.deps.Stores.Websites(ctx)
	if err != nil {
		return err
	}
	v := cfgview.ServicesView{Base: s.base(c, "Configuration · Services", layout.NavConfig), IsDefault: ref.Scope == config.ScopeDefault,
		ScopeName: "Default Config", Action: "/admin/config/services", ImportError: importErr, Report: x.report}
	if importErr != "" {
		v.Flashes = append(v.Flashes, layout.Flash{Kind: "error", Message: importErr})
	}
	v.Scopes = append(v.Scopes, cfgview.ScopeOption{Value: "", Label: "Default Config", Current: w == nil})
	for _, site := range websites {
		v.Scopes = append(v.Scopes, cfgview.ScopeOption{Value: site.Code, Label: "Website: " + site.Name, Current: w != nil && w.ID == site.ID})
	}
	if w != nil {
		v.ScopeName, v.Action = "Website: "+w.Name, "/admin/config/services?website="+url.QueryEscape(w.Code)
	}
	for _, sec := range config.ServicesSections {
		sv := cfgview.SectionView{ID: sec.ID, Title: sec.Title, Comment: sec.Comment}
		for _, f := range sec.Fields {
			fv := fieldView(f, ref, state[f.Path], typed, errs)
			sv.Fields = append(sv.Fields, fv)
			if fv.Error != "" {
				v.Errors = append(v.Errors, cfgview.ErrorLink{Label: sec.Title + " › " + f.Label, Anchor: fv.ID})
			}
		}
		v.Sections = append(v.Sections, sv)
	}
	return render(c, status, cfgview.Services(v))
}

func fieldView(f config.Field, ref config.ScopeRef, st config.FieldState, typed *config.Submission, errs validation.Errors) cfgview.FieldView {
	fv := cfgview.FieldView{ID: strings.ReplaceAll(f.Path, "/", "-"), Name: f.Path, Label: f.Label, Comment: f.Comment,
		ScopeLabel: "[GLOBAL]", Editable: f.EditableAt(ref), Error: errs[f.Path]}
	if f.Scope == config.PerWebsite {
		fv.ScopeLabel = "[WEBSITE]"
	}
	switch f.Kind {
	case config.KindReadOnly:
		fv.Kind, fv.Value = "readonly", st.Effective
		return fv
	case config.KindSelect, config.KindYesNo:
		fv.Kind = "select"
		opts := f.Options
		if f.Kind == config.KindYesNo {
			opts = []config.Option{{Value: "1", Label: "Yes"}, {Value: "0", Label: "No"}}
		}
		for _, o := range opts {
			fv.Options = append(fv.Options, cfgview.Option{Value: o.Value, Label: o.Label})
		}
	case config.KindSecret:
		fv.Kind = "secret"
		if f.Multiline {
			fv.Kind = "secret-multiline"
		}
		fv.SecretSet = st.Secret.Set
		if st.Secret.Set {
			fv.SecretNote = "Stored encrypted; last changed " + formatTime(st.Secret.UpdatedAt)
			if st.Secret.UpdatedBy != "" {
				fv.SecretNote += " by " + st.Secret.UpdatedBy
			}
			fv.SecretNote += "."
		} else {
			fv.SecretNote = "Not set."
		}
		if !fv.Editable && ref.Scope != config.ScopeDefault {
			fv.InheritedNote = "Global: change it in Default Config."
		}
		if typed != nil && typed.Values[f.Path] != "" && fv.Error == "" {
			fv.Error = "Enter this secret again: for safety it is never sent back to the browser, and nothing was saved."
		}
		return fv
	default:
		fv.Kind = "text"
	}
	fv.Value = st.Effective
	if !fv.Editable && ref.Scope != config.ScopeDefault {
		fv.InheritedNote = "Global: change it in Default Config."
	}
	if fv.Editable && ref.Scope == config.ScopeWebsites {
		fv.ShowUseDefault = true
		fv.UseDefault = !st.SetHere
		if st.Inherited != "" {
			fv.InheritedNote = "Default Config value: " + optionLabel(fv.Options, st.Inherited)
		}
	}
	if typed != nil && fv.Editable {
		if val, ok := typed.Values[f.Path]; ok {
			fv.Value = val
		}
		fv.UseDefault = typed.UseDefault[f.Path]
	}
	return fv
}

func (s *Server) servicesSave(c echo.Context) error {
	ref, w, err := s.scopeFromQuery(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "bad form")
	}
	sub := config.Submission{Values: map[string]string{}, UseDefault: map[string]bool{}, ClearSecret: map[string]bool{}}
	for _, sec := range config.ServicesSections {
		for _, f := range sec.Fields {
			if vals, ok := form[f.Path]; ok && len(vals) > 0 {
				sub.Values[f.Path] = vals[0]
			}
			sub.UseDefault[f.Path] = form.Get("use_default:"+f.Path) == "1"
			sub.ClearSecret[f.Path] = form.Get("clear:"+f.Path) == "1"
		}
	}
	changes, err := s.deps.StoreConfig.Save(c.Request().Context(), actor(c), ref, sub)
	var ve validation.Errors
	if errors.As(err, &ve) {
		return s.renderServices(c, http.StatusUnprocessableEntity, ref, w, servicesExtras{typed: &sub, errs: ve})
	} else if err != nil {
		return err
	}
	target := "/admin/config/services"
	if w != nil {
		target += "?website=" + url.QueryEscape(w.Code)
	}
	msg := "You saved the configuration."
	if len(changes) == 0 {
		msg = "Nothing changed: the configuration already had these values."
	}
	return s.redirectWithFlash(c, target, flashSuccess, msg)
}

func (s *Server) servicesImportWorkspace(c echo.Context) error {
	ctx := c.Request().Context()
	data, err := readWorkspaceUpload(c)
	if err == nil && len(strings.TrimSpace(string(data))) == 0 {
		err = fmt.Errorf("%w: choose the workspace JSON file, or paste its contents", config.ErrWorkspace)
	}
	var ws config.Workspace
	if err == nil {
		ws, err = config.ParseWorkspace(data)
	}
	if err == nil {
		_, err = s.deps.StoreConfig.ImportWorkspace(ctx, actor(c), ws)
	}
	if errors.Is(err, config.ErrWorkspace) {
		msg := strings.TrimPrefix(err.Error(), config.ErrWorkspace.Error()+": ")
		return s.renderServices(c, http.StatusUnprocessableEntity, config.Default, nil,
			servicesExtras{importErr: "Nothing was imported: " + msg + " (For your safety the file is not shown again: it holds the client secret.)"})
	} else if err != nil {
		return err
	}
	msg := fmt.Sprintf("Imported the credentials of project %q", ws.Project)
	if ws.Workspace != "" {
		msg += fmt.Sprintf(" (workspace %s)", ws.Workspace)
	}
	return s.redirectWithFlash(c, "/admin/config/services#test-connection", flashSuccess,
		msg+". The client secret is stored encrypted. They replace the credentials saved before: press Test connection to check them.")
}

// readWorkspaceUpload returns the uploaded file, or else the pasted text.
func readWorkspaceUpload(c echo.Context) ([]byte, error) {
	if fh, err := c.FormFile("workspace_file"); err == nil && fh.Size > 0 {
		if fh.Size > config.MaxWorkspaceSize {
			return nil, fmt.Errorf("%w: the file is larger than 256 KiB; download the workspace JSON again", config.ErrWorkspace)
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return io.ReadAll(io.LimitReader(f, config.MaxWorkspaceSize+1))
	}
	return []byte(c.FormValue("workspace_json")), nil
}

// optionLabel is the label of value among a select's options, or value itself.
func optionLabel(opts []cfgview.Option, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}
