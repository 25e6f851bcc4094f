package audiences_test

// Contract tests: the answer shapes Adobe publishes, written here from the facts of its
// public references (AdobeDocs/experience-platform-apis, static/swagger-specs/*.yaml, and
// Experience League's Flow Service "sort and filter" and Segmentation "audiences" pages),
// held against both the client (served by a bare handler that answers exactly these
// fixtures) and the emulator (its answers must have the same shape). A test that passes
// against the emulator then says something about Adobe.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audiences/cdpemu"
)

// documented is a fake platform that answers fixed bodies per path and query, and a token.
func documented(t *testing.T, pages map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/ims/token/v3" {
			fmt.Fprint(w, `{"access_token":"tok","token_type":"bearer","expires_in":86399}`)
			return
		}
		key := r.URL.Path
		if r.URL.RawQuery != "" {
			key += "?" + r.URL.RawQuery
		}
		body, ok := pages[key]
		if !ok {
			t.Errorf("unexpected request %s", key)
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"not found"}`)
			return
		}
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func documentedClient(url string) *audiences.Client {
	return audiences.NewClient(audiences.Credentials{ClientID: clientID, ClientSecret: secret, OrgID: org, Sandbox: "prod", IMSURL: url, PlatformURL: url},
		audiences.WithRetries(0, time.Millisecond))
}

// flow-service.yaml, getTargetConnections → TargetConnectionsListResponse: items of
// TargetConnectionItemDTO (id, name, state, connectionSpec {id, version}, params) and
// _links.next.href, a PageLink whose example is "/connections?continuationToken=…":
// relative to the Flow Service base. The property filter is the one Experience League's
// "Sorting and filtering responses in the Flow Service API" shows (connectionSpec.id==…).
func TestClientReadsFlowServicePagesAsDocumented(t *testing.T) {
	const spec = "c3a8f4e2-5d1b-4e7a-9c2f-6b0d8e1a4f37"
	first := "/data/foundation/flowservice/targetConnections?limit=100&property=connectionSpec.id%3D%3D" + spec
	srv := documented(t, map[string]string{
		first: `{"items": [{"id": "tc-a", "name": "Commerce US", "state": "enabled",
			"connectionSpec": {"id": "` + spec + `", "version": "1.0"},
			"params": {"someKey": "3f0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90", "nested": {"x": "y"}}}],
			"_links": {"next": {"href": "/targetConnections?continuationToken=abcdefghijkLMNOPqrstupWXKYZ"}}, "count": 2}`,
		"/data/foundation/flowservice/targetConnections?continuationToken=abcdefghijkLMNOPqrstupWXKYZ": `{"items": [
			{"id": "tc-b", "name": "Commerce EU", "state": "enabled", "connectionSpec": {"id": "` + spec + `", "version": "1.0"},
			 "params": {"other": ["11111111-2222-3333-4444-555555555555"]}},
			{"id": "tc-p", "name": "Personalization", "connectionSpec": {"id": "another-spec"}, "params": {"datastreamId": "3f0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90"}}]}`,
	})
	conns, err := documentedClient(srv.URL).TargetConnections(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(conns) != 2 || conns[0].ID != "tc-a" || conns[1].ID != "tc-b" {
		t.Fatalf("connections %+v (another spec's must be left out)", conns)
	}
	if !contains(conns[0].Params, "3f0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90") || !contains(conns[1].Params, "11111111-2222-3333-4444-555555555555") {
		t.Fatalf("params values %v %v", conns[0].Params, conns[1].Params)
	}
}

// segmentation.yaml, listAudiences → AudiencesList. The schema's `_page.next` is an
// integer; the published example writes the object as `_pages`, `lifecycle` for the
// state, and `_links.next.href` "@/audiences?start=1&limit=2&totalCount=111" ("@" is the
// audiences API's base, /data/core/ups). Experience League's audiences page shows next as
// a string. All are read.
func TestClientReadsAudiencePagesAsDocumented(t *testing.T) {
	srv := documented(t, map[string]string{
		"/data/core/ups/audiences?start=0&limit=500": `{"children": [
			{"id": "60ccea95-1435-4180-97a5-58af4aa285ab", "name": "People in the US", "lifecycle": "active",
			 "originName": "REAL_TIME_CUSTOMER_PROFILE", "updateTime": 1650374573000}],
			"_pages": {"totalCount": 4, "pageSize": 1, "next": 1},
			"_links": {"next": {"href": "@/audiences?start=1&limit=1&totalCount=4"}}}`,
		"/data/core/ups/audiences?start=1&limit=1&totalCount=4": `{"children": [
			{"id": "32a83b5d-a118-4bd6-b3cb-3aee2f4c30a1", "name": "externalSegment1", "lifecycleState": "published", "updateTime": 1649926314000}],
			"_page": {"totalCount": 4, "pageSize": 1, "next": "2"}}`,
		"/data/core/ups/audiences?start=2&limit=500": `{"children": [
			{"id": "AOC-composition_0001_v2", "name": "Composed", "lifecycleState": "archived", "originName": "AUDIENCE_ORCHESTRATION"}],
			"_page": {"totalCount": 4, "next": 3}}`,
		"/data/core/ups/audiences?start=3&limit=500": `{"children": [{"id": "B0B0B0B0-1111-4222-8333-444455556666", "name": "Last"}],
			"_page": {"totalCount": 4}}`,
	})
	var got []audiences.UpstreamAudience
	total, err := documentedClient(srv.URL).Audiences(context.Background(), func(p []audiences.UpstreamAudience) error {
		got = append(got, p...)
		return nil
	})
	if err != nil || total != 4 || len(got) != 4 {
		t.Fatalf("total %d, %d audiences, %v", total, len(got), err)
	}
	if got[0].LifecycleState != "active" || got[0].UpdatedAt.UnixMilli() != 1650374573000 {
		t.Errorf("first audience %+v", got[0])
	}
	if got[2].ID != "AOC-composition_0001_v2" || !got[2].Deleted() {
		t.Errorf("the archived, non-UUID audience: %+v", got[2])
	}
	if got[3].ID != "b0b0b0b0-1111-4222-8333-444455556666" {
		t.Errorf("UUIDs are stored lower case: %q", got[3].ID)
	}
}

// A next page that does not move forward would loop for ever: refused.
func TestClientRefusesAPagingLoop(t *testing.T) {
	srv := documented(t, map[string]string{
		"/data/core/ups/audiences?start=0&limit=500": `{"children": [{"id": "60ccea95-1435-4180-97a5-58af4aa285ab"}], "_page": {"totalCount": 9, "next": 0}}`,
	})
	_, err := documentedClient(srv.URL).Audiences(context.Background(), func([]audiences.UpstreamAudience) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "does not move past") {
		t.Fatalf("err %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// The emulator answers in the same shapes.
func TestEmulatorAnswersInTheDocumentedShapes(t *testing.T) {
	emu := cdpemu.New(clientID, secret, org, "prod")
	t.Cleanup(emu.Close)
	emu.FlowPageSize = 1
	ids := emu.Seed(3)
	emu.Activate(emu.AddDestination(ds1), ids...)
	emu.AddDestination(ds2)
	tok := token(t, emu)
	get := func(path string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, emu.URL()+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("x-api-key", clientID)
		req.Header.Set("x-gw-ims-org-id", org)
		req.Header.Set("x-sandbox-name", "prod")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %d %v", path, res.StatusCode, err)
		}
		return out
	}
	next := regexp.MustCompile(`^/(targetConnections|flows)\?continuationToken=[^&]+$`)
	page := get("/data/foundation/flowservice/targetConnections?property=connectionSpec.id%3D%3D" + cdpemu.CommerceSpecID + "&limit=100")
	items, _ := page["items"].([]any)
	href, _ := dig(page, "_links", "next", "href").(string)
	if len(items) != 1 || !next.MatchString(href) {
		t.Fatalf("target connections page: %d items, next %q", len(items), href)
	}
	tc := items[0].(map[string]any)
	for _, k := range []string{"id", "name", "state", "params"} {
		if tc[k] == nil {
			t.Errorf("target connection lacks %q", k)
		}
	}
	if dig(tc, "connectionSpec", "id") != cdpemu.CommerceSpecID {
		t.Errorf("connectionSpec %v", tc["connectionSpec"])
	}
	// The continuation token carries the filter: page 2 is the other Commerce connection,
	// and there is no third (the S3 export is another spec's).
	page2 := get("/data/foundation/flowservice" + href)
	if items, _ := page2["items"].([]any); len(items) != 1 || page2["_links"] != nil {
		t.Fatalf("page 2: %v", page2)
	}
	flows := get("/data/foundation/flowservice/flows?property=inheritedAttributes.targetConnections%5B%5D.connectionSpec.id%3D%3D" + cdpemu.CommerceSpecID)
	fl := flows["items"].([]any)[0].(map[string]any)
	if fl["state"] != "enabled" || dig(fl, "inheritedAttributes", "targetConnections", 0, "connectionSpec", "id") != cdpemu.CommerceSpecID ||
		dig(fl, "transformations", 0, "params", "segmentSelectors", "selectors", 0, "value", "id") != ids[0] {
		t.Fatalf("flow %v", fl)
	}
	aud := get("/data/core/ups/audiences?start=0&limit=2")
	if n, ok := dig(aud, "_page", "next").(float64); !ok || n != 2 {
		t.Errorf("_page.next %v, want the integer 2", dig(aud, "_page", "next"))
	}
	if href := dig(aud, "_links", "next", "href"); href != "@/audiences?start=2&limit=2&totalCount=3" {
		t.Errorf("audiences next link %v", href)
	}
	ch := aud["children"].([]any)[0].(map[string]any)
	if _, ok := ch["updateTime"].(float64); !ok || ch["lifecycleState"] != "published" {
		t.Errorf("audience %v", ch)
	}
}

func token(t *testing.T, emu *cdpemu.Emulator) string {
	t.Helper()
	res, err := http.PostForm(emu.URL()+"/ims/token/v3", map[string][]string{"grant_type": {"client_credentials"},
		"client_id": {clientID}, "client_secret": {secret}, "scope": {audiences.TokenScope}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(res.Body).Decode(&out)
	return out.AccessToken
}

// dig walks decoded JSON by keys and indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}
