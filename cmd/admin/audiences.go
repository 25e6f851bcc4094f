package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/config"
)

func audiencesSync(c *cli) int {
	a, closeApp, ok := c.openApp()
	if !ok {
		return 1
	}
	defer closeApp()
	run, err := a.Syncer.Run(c.ctx, audiences.TriggerCLI)
	switch {
	case errors.Is(err, audiences.ErrSyncRunning):
		fmt.Fprintln(c.stderr, "admin: a sync is already running; try again when it ends")
		return 1
	case errors.Is(err, audiences.ErrNotConfigured):
		fmt.Fprintln(c.stderr, "admin: the Real-Time CDP credentials are not configured (Stores › Configuration › Services)")
		return 1
	case err != nil:
		fmt.Fprintln(c.stderr, "admin: sync failed:", err)
		return 1
	}
	fmt.Fprintf(c.stdout, "Synced in %s: %d audiences in the CDP; %d added, %d updated, %d deactivated.\n",
		run.FinishedAt.Sub(run.StartedAt).Round(time.Millisecond), run.Total, run.Added, run.Updated, run.Deactivated)
	return 0
}

func audiencesConfigStatus(c *cli) int {
	a, closeApp, ok := c.openApp()
	if !ok {
		return 1
	}
	defer closeApp()
	verbose := *c.bools["v"]
	ctx := c.ctx
	state, err := a.StoreConfig.State(ctx, config.Default)
	if err != nil {
		fmt.Fprintln(c.stderr, "admin:", err)
		return 1
	}
	creds, err := a.CDPCredentials(ctx)
	if err != nil {
		fmt.Fprintln(c.stderr, "admin:", err)
		return 1
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	show := func(label, v string) {
		if v == "" {
			v = "(not set)"
		}
		fmt.Fprintf(w, "%s:\t%s\n", label, v)
	}
	show("Client ID", creds.ClientID)
	secret := "(not set)"
	if st := state[config.PathCDPClientSecret].Secret; st.Set {
		secret = fmt.Sprintf("%s (set %s by %s)", config.Mask, st.UpdatedAt.UTC().Format("2006-01-02 15:04 UTC"), st.UpdatedBy)
	}
	show("Client secret", secret)
	tech, _ := a.StoreConfig.Get(ctx, config.PathCDPTechAccountID, 0)
	show("Technical account", tech)
	show("Organization", creds.OrgID)
	show("Sandbox", creds.Sandbox)
	show("IMS URL", creds.IMSURL)
	show("Platform API URL", creds.PlatformURL)
	streams, err := a.Datastreams(ctx)
	if err != nil {
		fmt.Fprintln(c.stderr, "admin:", err)
		return 1
	}
	websites, _ := a.Stores.Websites(ctx)
	for _, site := range websites {
		show("Datastream of "+site.Name, streams[site.ID])
	}
	w.Flush()
	// The sync's own path, step by step, as Test connection walks it.
	report := a.Syncer.TestConnection(ctx)
	fmt.Fprintln(c.stdout, "\nChecks:")
	for _, st := range report.Steps {
		mark := "OK"
		switch {
		case st.Skipped:
			mark = "--"
		case !st.OK:
			mark = "FAILED"
		}
		fmt.Fprintf(c.stdout, "  [%s] %s: %s\n", mark, st.Name, st.Detail)
	}
	if verbose && len(report.Websites) > 0 {
		fmt.Fprintln(c.stdout, "\nWebsites:")
		for _, site := range report.Websites {
			conns := "no Adobe Commerce destination connection"
			if len(site.Connections) > 0 {
				conns = strings.Join(site.Connections, ", ")
			}
			fmt.Fprintf(c.stdout, "  %s: datastream %s → %s; %d audience(s) activated\n", site.Website, site.Datastream, conns, site.Audiences)
			for _, f := range site.DisabledFlows {
				fmt.Fprintf(c.stdout, "    dataflow %q is disabled\n", f)
			}
		}
	}
	if !report.OK() {
		return 1
	}
	return 0
}

func audiencesList(c *cli) int {
	a, closeApp, ok := c.openApp()
	if !ok {
		return 1
	}
	defer closeApp()
	as, sites, err := a.Audiences.All(c.ctx)
	if err != nil {
		fmt.Fprintln(c.stderr, "admin:", err)
		return 1
	}
	websites, err := a.Stores.Websites(c.ctx)
	if err != nil {
		fmt.Fprintln(c.stderr, "admin:", err)
		return 1
	}
	codes := map[int64]string{}
	for _, w := range websites {
		codes[w.ID] = w.Code
	}
	type item struct {
		ID       int64    `json:"id"`
		CDPID    string   `json:"cdp_id"`
		Name     string   `json:"name"`
		Websites []string `json:"websites"`
		Status   string   `json:"status"`
	}
	items := make([]item, 0, len(as))
	for _, au := range as {
		it := item{ID: au.ID, CDPID: au.CDPID, Name: au.Name, Status: string(au.Status), Websites: []string{}}
		for _, id := range sites[au.ID] {
			it.Websites = append(it.Websites, codes[id])
		}
		items = append(items, it)
	}
	if *c.bools["json"] {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(items); err != nil {
			return 1
		}
		return 0
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tCDP ID\tNAME\tWEBSITES\tSTATUS")
	for _, it := range items {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", it.ID, it.CDPID, it.Name, strings.Join(it.Websites, ","), it.Status)
	}
	w.Flush()
	if len(items) == 0 {
		fmt.Fprintln(c.stdout, "No audiences yet: run 'admin audiences sync'.")
	}
	return 0
}

func membershipSign(c *cli) int {
	a, closeApp, ok := c.openApp()
	if !ok {
		return 1
	}
	defer closeApp()
	trust, err := a.MembershipTrust(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	if !trust.Signed || len(trust.Key) < audiences.MinSigningKey {
		fmt.Fprintln(c.stderr, "admin: signed membership is off: set Audience membership to Signed and a signing key in Stores › Configuration › Services")
		return 1
	}
	ttl := time.Hour
	if v := *c.flags["ttl"]; v != "" {
		if ttl, err = time.ParseDuration(v); err != nil || ttl <= 0 {
			fmt.Fprintln(c.stderr, "admin: --ttl: use a duration such as 30m or 2h")
			return 2
		}
	}
	var ids []string
	for _, id := range strings.Split(*c.flags["ids"], ",") {
		if id = strings.TrimSpace(id); id != "" {
			norm, ok := audiences.NormalizeID(id)
			if !ok {
				fmt.Fprintf(c.stderr, "admin: %q is not an audience id (a UUID, or letters, digits and - _ : as Adobe sends other ids)\n", id)
				return 2
			}
			ids = append(ids, norm)
		}
	}
	if len(ids) == 0 {
		fmt.Fprintln(c.stderr, "admin: membership sign needs --ids")
		return 2
	}
	// The same checks as a backend's values get: the maximum lifetime, and the customer
	// binding when --customer is given.
	v, err := trust.Sign(ids, *c.flags["customer"], time.Now(), ttl)
	if err != nil {
		fmt.Fprintln(c.stderr, "admin:", err)
		return 2
	}
	fmt.Fprintln(c.stdout, v)
	return 0
}
