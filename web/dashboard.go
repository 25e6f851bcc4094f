package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/config"
	"audienceactivation/templates/dashboard"
	"audienceactivation/templates/layout"
)

func (s *Server) dashboard(c echo.Context) error {
	ctx := c.Request().Context()
	websites, err := s.deps.Stores.Websites(ctx)
	if err != nil {
		return err
	}
	views, err := s.deps.Stores.StoreViews(ctx)
	if err != nil {
		return err
	}
	admins, err := s.deps.Auth.Count(ctx)
	if err != nil {
		return err
	}
	clientID, err := s.deps.StoreConfig.Get(ctx, config.PathCDPClientID, 0)
	if err != nil {
		return err
	}
	// Whether the secret is set, without decrypting it (a lost key must not break this page).
	state, err := s.deps.StoreConfig.State(ctx, config.Default)
	if err != nil {
		return err
	}
	secretSet := state[config.PathCDPClientSecret].Secret.Set
	org, err := s.deps.StoreConfig.Get(ctx, config.PathCDPOrgID, 0)
	if err != nil {
		return err
	}
	missing := 0
	for _, w := range websites {
		ds, err := s.deps.StoreConfig.Get(ctx, config.PathDatastreamID, w.ID)
		if err != nil {
			return err
		}
		if ds == "" {
			missing++
		}
	}
	csKey, err := s.deps.StoreConfig.Get(ctx, config.PathCSProductionAPIKey, 0)
	if err != nil {
		return err
	}
	checks := []dashboard.Check{
		{Label: "Real-Time CDP service account", Done: clientID != "" && secretSet && org != "",
			Detail: "Client ID, client secret and organization ID from the Developer Console.", Href: "/admin/config/services#audiences", Action: "Configure"},
		datastreamCheck(len(websites), missing, s.unmatchedWebsites(ctx)),
		{Label: "Commerce Services Connector", Done: csKey != "",
			Detail: "API keys from the Commerce Services portal.", Href: "/admin/config/services#services_connector", Action: "Configure"},
	}
	checks = append(checks, s.syncCheck(ctx))
	// Each role sees the buttons it may follow, and the action log only if it may read it.
	u := currentAdmin(c)
	for i := range checks {
		if p, ok := RoutePermission(http.MethodGet, strings.SplitN(checks[i].Href, "#", 2)[0]); !ok || !u.Can(p) {
			checks[i].Href = ""
		}
	}
	var recent []dashboard.Activity
	if u.Can(auth.PermActionLog) {
		page, err := s.deps.Audit.List(ctx, audit.Filter{PerPage: 8})
		if err != nil {
			return err
		}
		for _, e := range page.Entries {
			recent = append(recent, dashboard.Activity{When: formatTime(e.At), Actor: e.Actor, Summary: e.Summary, Href: fmt.Sprintf("/admin/action-log/%d", e.ID)})
		}
	}
	return render(c, http.StatusOK, dashboard.Page(dashboard.View{
		Base: s.base(c, "Dashboard", layout.NavDashboard), Checks: checks,
		Websites: len(websites), StoreViews: len(views), Admins: int(admins), Recent: recent,
		ShowActivity: u.Can(auth.PermActionLog), ShowStores: u.Can(auth.PermStoresRead),
	}))
}

// syncCheck is the home page's line on the audience sync: green only when the last sync
// succeeded with nothing to say; a failure or a warning (a website whose datastream
// matched no destination) says what and links to the audiences page.
func (s *Server) syncCheck(ctx context.Context) dashboard.Check {
	ch := dashboard.Check{Label: "Audience sync", Href: "/admin/audiences", Action: "Open audiences"}
	runs, err := s.deps.Syncer.LatestRuns(ctx, 1)
	if err != nil || len(runs) == 0 {
		ch.Detail = "Audiences have not been synced from Real-Time CDP yet."
		return ch
	}
	r := runs[0]
	last, _ := s.deps.Syncer.LastSuccess(ctx)
	synced := "never"
	if last != nil && last.FinishedAt != nil {
		synced = relativeDay(*last.FinishedAt, s.deps.Now())
	}
	switch r.Status {
	case audiences.RunRunning:
		ch.Done, ch.Detail = last != nil, "A sync is running now. Last synced: "+synced+"."
	case audiences.RunFailed:
		ch.Detail = fmt.Sprintf("The last sync failed (%s): %s Last synced: %s.", relativeDay(r.StartedAt, s.deps.Now()), syncAdvice(r.Error), synced)
	default:
		ch.Done = len(r.WarningList()) == 0
		ch.Detail = "Last synced " + synced + "."
		if w := r.WarningList(); len(w) > 0 {
			ch.Detail += " " + strings.Join(w, " ")
		}
	}
	return ch
}

// unmatchedWebsites is how many websites' datastreams matched no Adobe Commerce destination
// in the last sync that succeeded (0 before any).
func (s *Server) unmatchedWebsites(ctx context.Context) int {
	last, err := s.deps.Syncer.LastSuccess(ctx)
	if err != nil || last == nil {
		return 0
	}
	return last.UnmatchedWebsites()
}

// datastreamCheck is the home page's line on datastreams: each website needs one, and one
// that matched no Adobe Commerce destination in the last sync does not count as done.
func datastreamCheck(websites, missing, unmatched int) dashboard.Check {
	ch := dashboard.Check{Label: "Datastream for every website", Done: missing == 0 && unmatched == 0,
		Detail: fmt.Sprintf("%d of %d website(s) have a datastream ID.", websites-missing, websites),
		Href:   "/admin/config/services#experience_platform", Action: "Configure"}
	if unmatched > 0 {
		ch.Detail += fmt.Sprintf(" %d matched no Adobe Commerce destination in the last sync: check it against the destination's datastream.", unmatched)
	}
	return ch
}
