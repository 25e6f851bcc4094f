package audiences

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Errors of the activation lookup: the CDP answered, but what it says does not let the sync
// tell which audiences are activated to which website. A sync that meets one fails and
// keeps the audiences it has, rather than turning them all inactive.
var (
	ErrNoCommerceDestination = errors.New("no Adobe Commerce destination was found in the sandbox")
	ErrSeveralCommerceSpecs  = errors.New("several connection specs are named \"Adobe Commerce\"")
	ErrNoDatastreams         = errors.New("no website has a datastream ID")
	ErrDatastreamsUnmatched  = errors.New("no Adobe Commerce destination connection sends to a configured datastream")
)

// WebsiteMatch is what one website's datastream matched: the Adobe Commerce destination
// connections that send to it and the audiences their enabled dataflows activate.
type WebsiteMatch struct {
	WebsiteID     int64
	Website       string // its name
	Datastream    string
	Connections   []string // names of the matching target connections
	Audiences     int      // distinct audiences activated by enabled dataflows
	DisabledFlows []string // names of dataflows to those connections that are disabled
}

// activation is what the Flow Service says is activated to the store.
type activation struct {
	// How far the lookup got: the step that failed, if any, is the first not done.
	gotSpec, gotConns, gotFlows bool

	spec      ConnectionSpec
	conns     []TargetConnection
	flows     []Flow
	sites     []WebsiteMatch
	activated map[string]map[int64]bool // audience id → websites
}

// unmatchedWords mark a warning about a website whose datastream matched nothing, so that
// SyncRun.UnmatchedWebsites can count them.
const unmatchedWords = "matched no Adobe Commerce destination connection"

// warnings are the things a successful sync tells the merchant about: websites whose
// datastream matched nothing, and disabled dataflows.
func (a *activation) warnings() []string {
	var out []string
	for _, w := range a.sites {
		if len(w.Connections) == 0 {
			out = append(out, fmt.Sprintf("%s: its datastream %s %s, so no audience applies there.", w.Website, w.Datastream, unmatchedWords))
		}
		for _, f := range w.DisabledFlows {
			out = append(out, fmt.Sprintf("%s: the dataflow %q is disabled in Experience Platform; its audiences are not activated.", w.Website, f))
		}
	}
	return out
}

// commerceSpec returns the Adobe Commerce destination's connection spec: the one set in
// configuration, else the one found by name.
func (s *Syncer) commerceSpec(ctx context.Context, client *Client) (ConnectionSpec, error) {
	if s.src.ConnectionSpecID != nil {
		id, err := s.src.ConnectionSpecID(ctx)
		if err != nil {
			return ConnectionSpec{}, err
		}
		if id = strings.TrimSpace(id); id != "" {
			// Set by hand: it must be a connection spec of this sandbox, or nothing matches
			// and the datastreams would be blamed.
			spec, ok, err := client.ConnectionSpecByID(ctx, id)
			if err != nil {
				return ConnectionSpec{}, fmt.Errorf("looking up the connection spec set in Services: %w", err)
			}
			if !ok {
				return ConnectionSpec{}, fmt.Errorf("%w: the connection spec ID set in Services (%s) is not one of this sandbox's; correct it, or clear it to find the \"Adobe Commerce\" destination by name", ErrNoCommerceDestination, id)
			}
			spec.Name += " (set in Services)"
			return spec, nil
		}
	}
	specs, err := client.CommerceConnectionSpecs(ctx)
	if err != nil {
		return ConnectionSpec{}, fmt.Errorf("looking up the Adobe Commerce destination: %w", err)
	}
	switch len(specs) {
	case 0:
		return ConnectionSpec{}, fmt.Errorf("%w: connect the Adobe Commerce destination in Experience Platform (Destinations › Catalog), or set its connection spec ID in Services", ErrNoCommerceDestination)
	case 1:
		return specs[0], nil
	}
	ids := make([]string, len(specs))
	for i, sp := range specs {
		ids[i] = sp.ID
	}
	return ConnectionSpec{}, fmt.Errorf("%w (%s): set the one to use as the connection spec ID in Services", ErrSeveralCommerceSpecs, strings.Join(ids, ", "))
}

// lookupActivation asks the Flow Service which audiences are activated to which website:
// the Adobe Commerce destination's target connections, matched to websites by datastream
// ID among their params, and the audiences of their enabled dataflows. On an error the
// activation says how far it got (nil only when configuration could not be read).
func (s *Syncer) lookupActivation(ctx context.Context, client *Client) (*activation, error) {
	streams, err := s.src.Datastreams(ctx)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	if s.src.WebsiteNames != nil {
		if names, err = s.src.WebsiteNames(ctx); err != nil {
			return nil, err
		}
	}
	a := &activation{activated: map[string]map[int64]bool{}}
	for id, ds := range streams {
		if ds = strings.TrimSpace(ds); ds != "" {
			name := names[id]
			if name == "" {
				name = fmt.Sprintf("Website %d", id)
			}
			a.sites = append(a.sites, WebsiteMatch{WebsiteID: id, Website: name, Datastream: ds})
		}
	}
	sort.Slice(a.sites, func(i, j int) bool { return a.sites[i].WebsiteID < a.sites[j].WebsiteID })
	if a.spec, err = s.commerceSpec(ctx, client); err != nil {
		return a, err
	}
	a.gotSpec = true
	if len(a.sites) == 0 {
		return a, fmt.Errorf("%w: set each website's datastream ID in Services › Experience Platform Connector", ErrNoDatastreams)
	}
	if a.conns, err = client.TargetConnections(ctx, a.spec.ID); err != nil {
		return a, fmt.Errorf("listing the Adobe Commerce destination connections: %w", err)
	}
	a.gotConns = true
	connSites := map[string][]int{} // target connection id → indexes into a.sites
	for i := range a.sites {
		w := &a.sites[i]
		for _, c := range a.conns {
			for _, v := range c.Params {
				if strings.EqualFold(strings.TrimSpace(v), w.Datastream) {
					w.Connections = append(w.Connections, cmp.Or(c.Name, c.ID))
					connSites[c.ID] = append(connSites[c.ID], i)
					break
				}
			}
		}
	}
	if len(connSites) == 0 {
		return a, a.unmatched(client.creds.Sandbox)
	}
	if a.flows, err = client.Flows(ctx, a.spec.ID); err != nil {
		return a, fmt.Errorf("listing the dataflows: %w", err)
	}
	a.gotFlows = true
	perSite := make([]map[string]bool, len(a.sites))
	for _, f := range a.flows {
		for _, tc := range f.TargetConnectionIDs {
			for _, i := range connSites[tc] {
				if !f.Enabled() {
					a.sites[i].DisabledFlows = append(a.sites[i].DisabledFlows, cmp.Or(f.Name, f.ID))
					continue
				}
				if perSite[i] == nil {
					perSite[i] = map[string]bool{}
				}
				for _, au := range f.Audiences {
					if a.activated[au.ID] == nil {
						a.activated[au.ID] = map[int64]bool{}
					}
					a.activated[au.ID][a.sites[i].WebsiteID] = true
					perSite[i][au.ID] = true
				}
			}
		}
	}
	for i := range a.sites {
		a.sites[i].Audiences = len(perSite[i])
	}
	return a, nil
}

// unmatched is the error of a sandbox where no Commerce connection sends to any
// configured datastream: it names what was configured and what was found.
func (a *activation) unmatched(sandbox string) error {
	var want []string
	for _, w := range a.sites {
		want = append(want, fmt.Sprintf("%s → %s", w.Website, w.Datastream))
	}
	found := "there are none"
	if len(a.conns) > 0 {
		var fs []string
		for _, c := range a.conns {
			var streams []string
			for _, v := range c.Params {
				if IsUUID(strings.TrimSpace(v)) {
					streams = append(streams, strings.ToLower(strings.TrimSpace(v)))
				}
			}
			sort.Strings(streams)
			fs = append(fs, fmt.Sprintf("%q (datastream %s)", cmp.Or(c.Name, c.ID), cmp.Or(strings.Join(streams, ", "), "none")))
		}
		found = "found " + strings.Join(fs, "; ")
	}
	return fmt.Errorf("%w in sandbox %q: configured %s; %s. Check each website's datastream ID, and that the destination was set up with that datastream",
		ErrDatastreamsUnmatched, sandbox, strings.Join(want, ", "), found)
}
