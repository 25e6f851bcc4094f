package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"audienceactivation/internal/db/dbtest"
	"audienceactivation/web"
)

func getMetrics(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestMetricsBehindAToken(t *testing.T) {
	const token = "metrics-token-0123456789"
	a := newAppOn(t, dbtest.New(t), func(d *web.Deps) { d.Settings.MetricsToken = token })
	if code, _ := getMetrics(t, a.server.URL+"/metrics", ""); code != http.StatusUnauthorized {
		t.Fatalf("without the token: %d", code)
	}
	if code, _ := getMetrics(t, a.server.URL+"/metrics", "wrong-token-0123456789"); code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", code)
	}
	if code, body := getMetrics(t, a.server.URL+"/metrics", token); code != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("with the token: %d", code)
	}
}

func TestMetricsOnTheirOwnAddress(t *testing.T) {
	a := newAppOn(t, dbtest.New(t), func(d *web.Deps) { d.Settings.MetricsAddr = "127.0.0.1:0" })
	if code, _ := getMetrics(t, a.server.URL+"/metrics", ""); code != http.StatusNotFound {
		t.Fatalf("/metrics on the main address: %d, want 404", code)
	}
	own := httptest.NewServer(a.srv.MetricsHandler())
	defer own.Close()
	if code, body := getMetrics(t, own.URL+"/metrics", ""); code != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("metrics listener: %d", code)
	}
}
