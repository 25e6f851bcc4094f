// Package cdpemu is an emulator of the Adobe Experience Platform endpoints the audiences
// client uses — the IMS token endpoint, the Flow Service's connection specs, target
// connections and flows, and the paged audiences API — over real HTTP, with seeded data
// and switchable faults. Tests and the demo run the real client against it.
//
// It answers in the shapes Adobe publishes, so that a test that passes against it says
// something about Adobe (each shape is pinned to its source in contract_test.go):
//   - Flow Service lists (AdobeDocs/experience-platform-apis, flow-service.yaml, operations
//     listConnectionSpecs, getTargetConnections and the /flows list): {"items": [...],
//     "_links": {"next": {"href": "/targetConnections?continuationToken=…"}}}, at most 100
//     items a page, the link relative to the Flow Service base, the continuation token
//     carrying the query; `property=` filters such as connectionSpec.id==… and
//     inheritedAttributes.targetConnections[].connectionSpec.id==…, as Experience League's
//     "Sorting and filtering responses in the Flow Service API" writes them.
//   - The audiences list (segmentation.yaml, operation listAudiences): children, `_page`
//     with an integer `next` (a switch gives the string form of the documentation's
//     example), `_links.next.href` of the form "@/audiences?start=…&limit=…&totalCount=…",
//     lifecycleState draft/published/inactive/archived, updateTime in milliseconds, and
//     ids that are UUIDs or, for other origins, longer strings.
//
// A sandbox also holds what real ones do beside the Commerce destination: other
// destinations (a Custom Personalization connection can carry the same datastream ID),
// disabled dataflows, archived audiences.
package cdpemu

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Connection spec ids of the destinations a sandbox offers. They are the emulator's own
// (the client finds the Commerce one by name, as against Adobe).
const (
	CommerceSpecID        = "c3a8f4e2-5d1b-4e7a-9c2f-6b0d8e1a4f37"
	PersonalizationSpecID = "9e1b6c2d-3f4a-4b5c-8d7e-0a1f2b3c4d5e"
	CloudStorageSpecID    = "4f5e6d7c-8b9a-4c0d-9e1f-2a3b4c5d6e7f"
)

// Audience is a seeded audience.
type Audience struct {
	ID          string
	Name        string
	Description string
	Origin      string // originName: REAL_TIME_CUSTOMER_PROFILE, CUSTOM_UPLOAD, …
	Lifecycle   string // lifecycleState: draft, published, inactive, archived
	UpdatedAt   time.Time
}

// FaultKind names a failure the emulator can produce.
type FaultKind int

// The faults.
const (
	NoFault       FaultKind = iota
	TokenRefused            // the token endpoint answers 401 invalid_client
	ServerError             // platform calls answer 500
	RateLimited             // platform calls answer 429 with Retry-After
	Slow                    // platform calls wait Delay before answering
	MalformedJSON           // platform calls answer 200 with broken JSON
	PageGone                // the audiences page at offset > 0 answers 404
	Forbidden               // platform calls answer 403
)

// Fault is the failure to produce; Times limits how many responses fail (0: all of them).
type Fault struct {
	Kind       FaultKind
	Times      int
	Delay      time.Duration
	RetryAfter int // seconds, for RateLimited
}

// connection is a target connection.
type connection struct {
	id, name, spec, datastream, paramKey string
}

// flow is a dataflow to one target connection.
type flow struct {
	id, name, state, target string
	audiences               []string
}

// Emulator is a running CDP emulator.
type Emulator struct {
	ClientID, ClientSecret, OrgID, Sandbox string
	// TokenLifetime is the expires_in of issued tokens.
	TokenLifetime time.Duration
	// FlowPageSize is the most items a Flow Service page holds (at most 100, Adobe's
	// maximum); tests lower it to get several pages.
	FlowPageSize int
	// FlowsPageSize, when set, is the page size of the flows list alone.
	FlowsPageSize int
	// AudiencePageMax is the most audiences a page holds, whatever the limit asked.
	AudiencePageMax int
	// PageNextAsString writes the audiences' `_page.next` as a string, as the
	// documentation's example does (the OpenAPI schema says integer, the default).
	PageNextAsString bool
	// NoAudienceLinks leaves `_links` out of audience pages, so `_page.next` alone says
	// where the next page starts.
	NoAudienceLinks bool

	server *httptest.Server

	mu           sync.Mutex
	audiences    []Audience
	index        map[string]int // audience id → position in audiences
	specs        map[string]string
	conns        []connection
	flows        []flow
	tokens       map[string]time.Time
	continuation map[string]url.Values // continuation token → the query it continues
	fault        Fault
	faultsServed int
	calls        map[string]int
}

// New starts an emulator on a loopback port with the given accepted credentials. Its
// sandbox already holds destinations other than Adobe Commerce (a cloud storage export and
// its dataflow), as real sandboxes do.
func New(clientID, clientSecret, orgID, sandbox string) *Emulator {
	e := &Emulator{ClientID: clientID, ClientSecret: clientSecret, OrgID: orgID, Sandbox: sandbox,
		TokenLifetime: 24 * time.Hour, FlowPageSize: 100, AudiencePageMax: 1000, index: map[string]int{},
		specs:  map[string]string{CommerceSpecID: "Adobe Commerce", PersonalizationSpecID: "Custom Personalization", CloudStorageSpecID: "Amazon S3"},
		tokens: map[string]time.Time{}, continuation: map[string]url.Values{}, calls: map[string]int{}}
	e.conns = append(e.conns, connection{id: "tc-s3-export", name: "Weekly export to S3", spec: CloudStorageSpecID})
	e.flows = append(e.flows, flow{id: "flow-s3-export", name: "S3 export", state: "enabled", target: "tc-s3-export"})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ims/token/v3", e.token)
	mux.HandleFunc("GET /data/foundation/flowservice/connectionSpecs", e.platform(e.listConnectionSpecs))
	mux.HandleFunc("GET /data/foundation/flowservice/targetConnections", e.platform(e.listTargetConnections))
	mux.HandleFunc("GET /data/foundation/flowservice/flows", e.platform(e.listFlows))
	mux.HandleFunc("GET /data/core/ups/audiences", e.platform(e.listAudiences))
	e.server = httptest.NewServer(mux)
	return e
}

// URL is the base URL for both IMS and the platform.
func (e *Emulator) URL() string { return e.server.URL }

// Close stops the emulator.
func (e *Emulator) Close() { e.server.Close() }

// SetFault switches a fault on (Kind NoFault switches it off).
func (e *Emulator) SetFault(f Fault) {
	e.mu.Lock()
	e.fault, e.faultsServed = f, 0
	e.mu.Unlock()
}

// Calls returns how many requests a path has received.
func (e *Emulator) Calls(path string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[path]
}

// RevokeTokens forgets every issued token, as if they had expired early.
func (e *Emulator) RevokeTokens() {
	e.mu.Lock()
	e.tokens = map[string]time.Time{}
	e.mu.Unlock()
}

// AddAudience adds or replaces an audience.
func (e *Emulator) AddAudience(a Audience) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a.Lifecycle == "" {
		a.Lifecycle = "published"
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
	}
	if i, ok := e.index[a.ID]; ok {
		e.audiences[i] = a
		return
	}
	e.index[a.ID] = len(e.audiences)
	e.audiences = append(e.audiences, a)
}

// RemoveAudience deletes an audience upstream (it stays in any flow that selected it).
func (e *Emulator) RemoveAudience(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	i, ok := e.index[id]
	if !ok {
		return
	}
	e.audiences = append(e.audiences[:i], e.audiences[i+1:]...)
	delete(e.index, id)
	for j := i; j < len(e.audiences); j++ {
		e.index[e.audiences[j].ID] = j
	}
}

// Archive sets an audience's lifecycle state to "archived": deleted, in Adobe's words,
// though the listing still shows it.
func (e *Emulator) Archive(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if i, ok := e.index[id]; ok {
		e.audiences[i].Lifecycle = "archived"
	}
}

// SetSpecName renames a connection spec (or adds one), so that a sandbox can have no
// destination named "Adobe Commerce", or several.
func (e *Emulator) SetSpecName(id, name string) {
	e.mu.Lock()
	e.specs[id] = name
	e.mu.Unlock()
}

// AddDestination creates an Adobe Commerce destination connection for a datastream, with
// an enabled dataflow to it, and returns the target connection's id.
func (e *Emulator) AddDestination(datastreamID string) string {
	return e.AddDestinationOf(CommerceSpecID, datastreamID)
}

// AddDestinationOf creates a target connection of the connection spec specID (one of the
// *SpecID constants) for a datastream, with an enabled dataflow to it, and returns the
// target connection's id. The datastream ID is a params value under a key that differs by
// destination, as no public document names it.
func (e *Emulator) AddDestinationOf(specID, datastreamID string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := len(e.conns) + 1
	id := fmt.Sprintf("%08x-7c1d-4e2f-8a3b-%012x", 0x7c000000+n, n)
	key := map[string]string{CommerceSpecID: "dataStreamId", PersonalizationSpecID: "datastreamId"}[specID]
	if key == "" {
		key = "datastream"
	}
	e.conns = append(e.conns, connection{id: id, name: fmt.Sprintf("%s %d", e.specs[specID], n), spec: specID, datastream: datastreamID, paramKey: key})
	e.flows = append(e.flows, flow{id: fmt.Sprintf("%08x-0f10-4000-8000-%012x", 0xf1000000+n, n), name: fmt.Sprintf("%s dataflow %d", e.specs[specID], n),
		state: "enabled", target: id})
	return id
}

// Activate adds audiences to the dataflow of a target connection.
func (e *Emulator) Activate(targetConnectionID string, audienceIDs ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.flows {
		if e.flows[i].target == targetConnectionID {
			e.flows[i].audiences = append(e.flows[i].audiences, audienceIDs...)
			return
		}
	}
}

// SetFlowState sets the state ("enabled" or "disabled") of a target connection's dataflow.
func (e *Emulator) SetFlowState(targetConnectionID, state string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.flows {
		if e.flows[i].target == targetConnectionID {
			e.flows[i].state = state
		}
	}
}

// Deactivate removes an audience from every flow.
func (e *Emulator) Deactivate(audienceID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.flows {
		kept := e.flows[i].audiences[:0]
		for _, id := range e.flows[i].audiences {
			if id != audienceID {
				kept = append(kept, id)
			}
		}
		e.flows[i].audiences = kept
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (e *Emulator) token(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	e.calls[r.URL.Path]++
	refused := e.fault.Kind == TokenRefused && e.takeFault()
	e.mu.Unlock()
	r.ParseForm()
	if refused || r.PostForm.Get("grant_type") != "client_credentials" ||
		r.PostForm.Get("client_id") != e.ClientID || r.PostForm.Get("client_secret") != e.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "invalid client_id or client_secret"})
		return
	}
	if !strings.Contains(r.PostForm.Get("scope"), "openid") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_scope"})
		return
	}
	b := make([]byte, 16)
	rand.Read(b)
	tok := "emu-" + hex.EncodeToString(b)
	e.mu.Lock()
	e.tokens[tok] = time.Now().Add(e.TokenLifetime)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": int(e.TokenLifetime / time.Second)})
}

// takeFault reports whether the current fault applies to this response (mu held).
func (e *Emulator) takeFault() bool {
	if e.fault.Kind == NoFault {
		return false
	}
	if e.fault.Times > 0 && e.faultsServed >= e.fault.Times {
		return false
	}
	e.faultsServed++
	return true
}

// platform checks the AEP headers and applies faults before h.
func (e *Emulator) platform(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.calls[r.URL.Path]++
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		exp, ok := e.tokens[tok]
		f := e.fault
		apply := false
		switch f.Kind {
		case ServerError, RateLimited, Slow, MalformedJSON, Forbidden:
			apply = e.takeFault()
		case PageGone:
			apply = r.URL.Path == "/data/core/ups/audiences" && r.URL.Query().Get("start") != "0" && e.takeFault()
		}
		e.mu.Unlock()
		if !ok || time.Now().After(exp) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error_code": "401013", "message": "Oauth token is not valid"})
			return
		}
		if r.Header.Get("x-api-key") != e.ClientID || r.Header.Get("x-gw-ims-org-id") != e.OrgID {
			writeJSON(w, http.StatusForbidden, map[string]string{"error_code": "403025", "message": "Profile is not valid"})
			return
		}
		if r.Header.Get("x-sandbox-name") != e.Sandbox {
			writeJSON(w, http.StatusForbidden, map[string]string{"message": "Sandbox not found or not permitted"})
			return
		}
		if apply {
			switch f.Kind {
			case ServerError:
				writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "internal error"})
				return
			case RateLimited:
				w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
				writeJSON(w, http.StatusTooManyRequests, map[string]string{"message": "too many requests"})
				return
			case Slow:
				select {
				case <-time.After(f.Delay):
				case <-r.Context().Done():
					return
				}
			case MalformedJSON:
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"items": [{"id": "trunc`))
				return
			case PageGone:
				writeJSON(w, http.StatusNotFound, map[string]string{"message": "page not found"})
				return
			case Forbidden:
				writeJSON(w, http.StatusForbidden, map[string]string{"message": "no permission to read audiences"})
				return
			}
		}
		h(w, r)
	}
}

// filter is one `property=path==value` expression of a Flow Service list.
type filter struct{ path, value string }

// flowQuery reads a Flow Service list request: its filters and limit, from the query or,
// when it carries a continuation token, from the query that token continues. It answers
// 400 itself for what Adobe would refuse.
func (e *Emulator) flowQuery(w http.ResponseWriter, r *http.Request, allowed ...string) (q url.Values, offset int, ok bool) {
	q = r.URL.Query()
	if tok := q.Get("continuationToken"); tok != "" {
		e.mu.Lock()
		prev, found := e.continuation[tok]
		e.mu.Unlock()
		if !found {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "invalid continuation token"})
			return nil, 0, false
		}
		q = prev
		offset, _ = strconv.Atoi(q.Get("_offset"))
	}
	for _, p := range q["property"] {
		path, _, found := strings.Cut(p, "==")
		if !found || !contains(allowed, path) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "unsupported property filter: " + p})
			return nil, 0, false
		}
	}
	return q, offset, true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func filters(q url.Values) []filter {
	var out []filter
	for _, p := range q["property"] {
		path, value, _ := strings.Cut(p, "==")
		out = append(out, filter{path, value})
	}
	return out
}

// page writes one Flow Service page of items from offset, with a next link carrying a
// continuation token when more remain. The link is relative to the Flow Service base, as
// Adobe's PageLink example shows it.
func (e *Emulator) page(w http.ResponseWriter, resource string, q url.Values, offset int, items []map[string]any) {
	size := e.FlowPageSize
	if resource == "flows" && e.FlowsPageSize > 0 {
		size = e.FlowsPageSize
	}
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 && l < size {
		size = l
	}
	size = min(size, 100)
	end := min(offset+size, len(items))
	body := map[string]any{"items": items[offset:end]}
	if end < len(items) {
		b := make([]byte, 12)
		rand.Read(b)
		tok := hex.EncodeToString(b)
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("_offset", strconv.Itoa(end))
		e.mu.Lock()
		e.continuation[tok] = next
		e.mu.Unlock()
		body["_links"] = map[string]any{"next": map[string]string{"href": "/" + resource + "?continuationToken=" + tok}}
	}
	writeJSON(w, http.StatusOK, body)
}

func (e *Emulator) listConnectionSpecs(w http.ResponseWriter, r *http.Request) {
	q, offset, ok := e.flowQuery(w, r, "name", "id")
	if !ok {
		return
	}
	e.mu.Lock()
	ids := make([]string, 0, len(e.specs))
	for id := range e.specs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	items := []map[string]any{}
	for _, id := range ids {
		name := e.specs[id]
		if !matches(filters(q), map[string]string{"name": name, "id": id}) {
			continue
		}
		items = append(items, map[string]any{"id": id, "name": name, "providerId": "521eee4d-8cbe-4906-bb48-fb6bd4450033",
			"version": "1.0", "attributes": map[string]any{"category": "destination", "connectorName": name, "isSource": false}})
	}
	e.mu.Unlock()
	e.page(w, "connectionSpecs", q, offset, items)
}

func matches(fs []filter, values map[string]string) bool {
	for _, f := range fs {
		if values[f.path] != f.value {
			return false
		}
	}
	return true
}

func (e *Emulator) listTargetConnections(w http.ResponseWriter, r *http.Request) {
	q, offset, ok := e.flowQuery(w, r, "connectionSpec.id", "state")
	if !ok {
		return
	}
	e.mu.Lock()
	items := []map[string]any{}
	for _, c := range e.conns {
		if !matches(filters(q), map[string]string{"connectionSpec.id": c.spec, "state": "enabled"}) {
			continue
		}
		params := map[string]any{}
		if c.datastream != "" {
			params[c.paramKey] = c.datastream
		}
		if c.spec == CloudStorageSpecID {
			params["mode"] = "Server-to-server"
			params["bucketName"] = "exports"
		}
		items = append(items, map[string]any{"id": c.id, "name": c.name, "state": "enabled",
			"connectionSpec": map[string]string{"id": c.spec, "version": "1.0"}, "params": params,
			"sandboxName": e.Sandbox, "imsOrgId": e.OrgID, "createdAt": 1670279178771, "updatedAt": 1670279178771})
	}
	e.mu.Unlock()
	e.page(w, "targetConnections", q, offset, items)
}

func (e *Emulator) listFlows(w http.ResponseWriter, r *http.Request) {
	q, offset, ok := e.flowQuery(w, r, "inheritedAttributes.targetConnections[].connectionSpec.id", "state")
	if !ok {
		return
	}
	e.mu.Lock()
	names := map[string]string{}
	for _, a := range e.audiences {
		names[a.ID] = a.Name
	}
	specOf := map[string]string{}
	for _, c := range e.conns {
		specOf[c.id] = c.spec
	}
	items := []map[string]any{}
	for _, f := range e.flows {
		if !matches(filters(q), map[string]string{"inheritedAttributes.targetConnections[].connectionSpec.id": specOf[f.target], "state": f.state}) {
			continue
		}
		selectors := []map[string]any{}
		for _, aid := range f.audiences {
			selectors = append(selectors, map[string]any{"type": "PLATFORM_SEGMENT", "value": map[string]string{"id": aid, "name": names[aid]}})
		}
		items = append(items, map[string]any{"id": f.id, "name": f.name, "state": f.state,
			"flowSpec":            map[string]string{"id": "71471eba-b620-49e4-90fd-23f1fa0174d8", "version": "1.0"},
			"targetConnectionIds": []string{f.target},
			"inheritedAttributes": map[string]any{"targetConnections": []map[string]any{
				{"id": f.target, "connectionSpec": map[string]string{"id": specOf[f.target], "version": "1.0"}}}},
			"transformations": []map[string]any{{"name": "GeneralTransform", "params": map[string]any{"segmentSelectors": map[string]any{"selectors": selectors}}}}})
	}
	e.mu.Unlock()
	e.page(w, "flows", q, offset, items)
}

func (e *Emulator) listAudiences(w http.ResponseWriter, r *http.Request) {
	start, _ := strconv.Atoi(r.URL.Query().Get("start"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, e.AudiencePageMax)
	e.mu.Lock()
	total := len(e.audiences)
	if start < 0 || start > total {
		start = total
	}
	end := min(start+limit, total)
	children := make([]map[string]any, 0, end-start)
	for _, a := range e.audiences[start:end] {
		children = append(children, map[string]any{"id": a.ID, "audienceId": a.ID, "name": a.Name, "description": a.Description,
			"originName": a.Origin, "lifecycleState": a.Lifecycle, "updateTime": a.UpdatedAt.UnixMilli(),
			"updateEpoch": a.UpdatedAt.Unix(), "namespace": "AEPSegments", "type": "SegmentDefinition",
			"schema": map[string]string{"name": "_xdm.context.profile"}})
	}
	pageString, noLinks := e.PageNextAsString, e.NoAudienceLinks
	e.mu.Unlock()
	page := map[string]any{"totalCount": total, "totalPages": (total + limit - 1) / limit, "pageSize": len(children),
		"limit": limit, "start": start, "sortField": "updateTime", "sort": "desc"}
	body := map[string]any{"children": children, "_page": page}
	if end < total {
		if pageString {
			page["next"] = strconv.Itoa(end)
		} else {
			page["next"] = end
		}
		if !noLinks {
			body["_links"] = map[string]any{"next": map[string]string{"href": fmt.Sprintf("@/audiences?start=%d&limit=%d&totalCount=%d", end, limit, total)}}
		}
	}
	writeJSON(w, http.StatusOK, body)
}
