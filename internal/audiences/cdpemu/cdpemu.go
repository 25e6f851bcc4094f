// Package cdpemu is an emulator of the Adobe Experience Platform endpoints the audiences
// client uses — the IMS token endpoint, the flow service's target connections and flows,
// and the paged audiences API — over real HTTP, with seeded data and switchable faults.
// Tests and the demo run the real client against it.
package cdpemu

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Audience is a seeded audience.
type Audience struct {
	ID          string
	Name        string
	Description string
	Origin      string // originName: REAL_TIME_CUSTOMER_PROFILE, CUSTOM_UPLOAD, …
	Lifecycle   string
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

// Emulator is a running CDP emulator.
type Emulator struct {
	ClientID, ClientSecret, OrgID, Sandbox string
	// TokenLifetime is the expires_in of issued tokens.
	TokenLifetime time.Duration

	server *httptest.Server

	mu           sync.Mutex
	audiences    []Audience
	index        map[string]int      // audience id → position in audiences
	destinations map[string]string   // target connection id → datastream id
	flows        map[string][]string // target connection id → audience ids
	tokens       map[string]time.Time
	fault        Fault
	faultsServed int
	calls        map[string]int
}

// New starts an emulator on a loopback port with the given accepted credentials.
func New(clientID, clientSecret, orgID, sandbox string) *Emulator {
	e := &Emulator{ClientID: clientID, ClientSecret: clientSecret, OrgID: orgID, Sandbox: sandbox,
		TokenLifetime: 24 * time.Hour, destinations: map[string]string{}, index: map[string]int{}, flows: map[string][]string{},
		tokens: map[string]time.Time{}, calls: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ims/token/v3", e.token)
	mux.HandleFunc("GET /data/foundation/flowservice/targetConnections", e.platform(e.targetConnections))
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

// AddDestination creates an Adobe Commerce destination connection for a datastream and
// returns its target connection id.
func (e *Emulator) AddDestination(datastreamID string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := fmt.Sprintf("tc-%d-%s", len(e.destinations)+1, datastreamID[:8])
	e.destinations[id] = datastreamID
	return id
}

// Activate adds audiences to the flow of a target connection.
func (e *Emulator) Activate(targetConnectionID string, audienceIDs ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.flows[targetConnectionID] = append(e.flows[targetConnectionID], audienceIDs...)
}

// Deactivate removes an audience from every flow.
func (e *Emulator) Deactivate(audienceID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for tc, ids := range e.flows {
		kept := ids[:0]
		for _, id := range ids {
			if id != audienceID {
				kept = append(kept, id)
			}
		}
		e.flows[tc] = kept
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
				w.Write([]byte(`{"children": [{"id": "trunc`))
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

func (e *Emulator) targetConnections(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	ids := make([]string, 0, len(e.destinations))
	for id := range e.destinations {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	items := []map[string]any{}
	for _, id := range ids {
		items = append(items, map[string]any{"id": id, "name": "Adobe Commerce " + id,
			"connectionSpec": map[string]string{"id": "commerce-destination"}, "params": map[string]string{"datastreamId": e.destinations[id]}})
	}
	// An unrelated destination without a datastream, as real sandboxes have.
	items = append(items, map[string]any{"id": "tc-other", "name": "Email marketing", "params": map[string]string{}})
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (e *Emulator) listFlows(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	names := map[string]string{}
	for _, a := range e.audiences {
		names[a.ID] = a.Name
	}
	ids := make([]string, 0, len(e.flows))
	for id := range e.flows {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	items := []map[string]any{}
	for i, tc := range ids {
		var selectors []map[string]any
		for _, aid := range e.flows[tc] {
			selectors = append(selectors, map[string]any{"type": "PLATFORM_SEGMENT", "value": map[string]string{"id": aid, "name": names[aid]}})
		}
		items = append(items, map[string]any{"id": fmt.Sprintf("flow-%d", i+1), "targetConnectionIds": []string{tc},
			"transformations": []map[string]any{{"name": "GeneralTransform", "params": map[string]any{"segmentSelectors": map[string]any{"selectors": selectors}}}}})
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (e *Emulator) listAudiences(w http.ResponseWriter, r *http.Request) {
	start, _ := strconv.Atoi(r.URL.Query().Get("start"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	e.mu.Lock()
	total := len(e.audiences)
	if start < 0 || start > total {
		start = total
	}
	end := min(start+limit, total)
	children := make([]map[string]any, 0, end-start)
	for _, a := range e.audiences[start:end] {
		children = append(children, map[string]any{"id": a.ID, "name": a.Name, "description": a.Description,
			"originName": a.Origin, "lifecycleState": a.Lifecycle, "updateTime": a.UpdatedAt.UnixMilli(),
			"namespace": "AEPSegments", "schema": map[string]string{"name": "_xdm.context.profile"}})
	}
	e.mu.Unlock()
	page := map[string]any{"totalCount": total, "count": len(children)}
	body := map[string]any{"children": children, "_page": page}
	if end < total {
		page["next"] = strconv.Itoa(end)
		body["_links"] = map[string]any{"next": map[string]string{"href": fmt.Sprintf("/data/core/ups/audiences?start=%d&limit=%d", end, limit)}}
	}
	writeJSON(w, http.StatusOK, body)
}
