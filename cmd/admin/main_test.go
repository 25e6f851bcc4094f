package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"audienceactivation/cmd/admin/wiring"
	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audiences/cdpemu"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/config"
	"audienceactivation/internal/db"
)

func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestInvalidSettingsStopWithOneLine(t *testing.T) {
	for _, args := range [][]string{{"--addr", "nonsense"}, {"migrate", "--session-idle", "1s"}, {"frobnicate"}} {
		code, _, stderr := runCLI(t, nil, "", args...)
		if code == 0 || !strings.HasPrefix(stderr, "admin: ") {
			t.Errorf("%v: code %d stderr %q", args, code, stderr)
		}
	}
	code, _, stderr := runCLI(t, map[string]string{"SECRET_KEY": "too-short"}, "", "migrate", "--data", t.TempDir())
	if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "SECRET_KEY") {
		t.Fatalf("short key: code %d stderr %q", code, stderr)
	}
}

func TestMigrateAndCreateUser(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runCLI(t, nil, "", "migrate", "--data", dir)
	if code != 0 || !strings.Contains(out, "migration") {
		t.Fatalf("migrate: %d %q %q", code, out, stderr)
	}
	code, _, stderr = runCLI(t, nil, "weak\n", "user", "create", "--data", dir, "--username", "admin", "--email", "admin@example.com")
	if code != 1 || !strings.Contains(stderr, "password:") {
		t.Fatalf("weak password: %d %q", code, stderr)
	}
	code, out, stderr = runCLI(t, nil, "correct-horse-1\n", "user", "create", "--data", dir, "--username", "admin", "--email", "admin@example.com")
	if code != 0 || !strings.Contains(out, `Created admin user "admin"`) {
		t.Fatalf("create: %d %q %q", code, out, stderr)
	}
	code, _, stderr = runCLI(t, nil, "", "user", "create", "--data", dir, "--username", "admin", "--email", "x@example.com", "--password", "correct-horse-1")
	if code != 1 || !strings.Contains(stderr, "taken") {
		t.Fatalf("duplicate: %d %q", code, stderr)
	}
}

func TestServeAndGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() {
		done <- run([]string{"--addr", addr, "--data", dir, "--log-format", "json"}, func(string) string { return "" }, strings.NewReader(""), &bytes.Buffer{}, &errb)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil && res.StatusCode == http.StatusOK {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	res, err := http.Get("http://" + addr + "/admin/login")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("sign-in page: %v %v", res, err)
	}
	res.Body.Close()
	if matches, _ := filepath.Glob(filepath.Join(dir, "secret.key")); len(matches) != 1 {
		t.Fatal("no key file created on first start")
	}
	syscall.Kill(syscall.Getpid(), syscall.SIGTERM)
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no shutdown after SIGTERM")
	}
	if !strings.Contains(errb.String(), `"msg":"shutting down"`) || !strings.Contains(errb.String(), `"path":"/admin/login"`) {
		t.Fatalf("logs: %s", errb.String())
	}
}

func TestAudiencesCommands(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, nil, "", "migrate", "--data", dir); code != 0 {
		t.Fatal(stderr)
	}
	code, _, stderr := runCLI(t, nil, "", "audiences", "sync", "--data", dir)
	if code != 1 || !strings.Contains(stderr, "not configured") {
		t.Fatalf("unconfigured sync: %d %q", code, stderr)
	}
	emu := cdpemu.New("abcdef0123456789abcdef0123456789", "p8e-cli-secret-0001", "ABCDEF0123456789ABCDEF01@AdobeOrg", "prod")
	defer emu.Close()
	ids := emu.Seed(12)
	emu.Activate(emu.AddDestination("3f0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90"), ids[:8]...)
	s := config.Settings{DataDir: dir}
	d, err := db.Open("", s.SQLitePath())
	if err != nil {
		t.Fatal(err)
	}
	key, _ := s.MasterKey()
	a := wiring.New(s, d, nil, key)
	who := audit.Actor{Username: "t"}
	if _, err := a.StoreConfig.Save(context.Background(), who, config.Default, config.Submission{Values: map[string]string{
		config.PathCDPClientID: emu.ClientID, config.PathCDPClientSecret: emu.ClientSecret, config.PathCDPOrgID: emu.OrgID,
		config.PathCDPIMSURL: emu.URL(), config.PathCDPPlatformURL: emu.URL(), config.PathCDPSandbox: "prod"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.StoreConfig.Save(context.Background(), who, config.Website(1), config.Submission{Values: map[string]string{
		config.PathDatastreamID: "3f0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90"}}); err != nil {
		t.Fatal(err)
	}
	d.Close()

	code, out, stderr := runCLI(t, nil, "", "audiences", "sync", "--data", dir)
	if code != 0 || !strings.Contains(out, "8 added") {
		t.Fatalf("sync: %d %q %q", code, out, stderr)
	}
	code, out, _ = runCLI(t, nil, "", "--data", dir, "audiences", "list", "--json")
	var items []struct {
		CDPID    string   `json:"cdp_id"`
		Websites []string `json:"websites"`
		Status   string   `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &items); code != 0 || err != nil || len(items) != 8 || items[0].Websites[0] != "base" || items[0].Status != "active" {
		t.Fatalf("list --json: %d %v %q", code, err, out)
	}
	code, out, _ = runCLI(t, nil, "", "audiences", "config-status", "-v", "--data", dir)
	if code != 0 || !strings.Contains(out, "[OK] Access token from Adobe IMS") || !strings.Contains(out, "12 audience(s) in the sandbox") ||
		!strings.Contains(out, "Main Website: datastream 3f0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90 → Adobe Commerce") || !strings.Contains(out, "8 audience(s) activated") {
		t.Fatalf("config-status: %d %q", code, out)
	}
	if strings.Contains(out, "p8e-cli-secret-0001") {
		t.Fatal("config-status printed the secret")
	}
	emu.SetFault(cdpemu.Fault{Kind: cdpemu.TokenRefused})
	if code, out, _ = runCLI(t, nil, "", "audiences", "config-status", "--data", dir); code != 1 || !strings.Contains(out, "FAILED") {
		t.Fatalf("config-status with refused token: %d %q", code, out)
	}
	code, out, _ = runCLI(t, nil, "", "help")
	if code != 0 || !strings.Contains(out, "audiences config-status") {
		t.Fatalf("help: %q", out)
	}
	code, out, _ = runCLI(t, nil, "", "user", "create", "--help")
	if code != 0 || !strings.Contains(out, "--username") {
		t.Fatalf("user create --help: %q", out)
	}
}

func TestMembershipSign(t *testing.T) {
	dir := t.TempDir()
	runCLI(t, nil, "", "migrate", "--data", dir)
	if code, _, stderr := runCLI(t, nil, "", "membership", "sign", "--ids", "5eed0001-0001-4001-8007-000000000001", "--data", dir); code != 1 || !strings.Contains(stderr, "signed membership is off") {
		t.Fatalf("sign while off: %d %q", code, stderr)
	}
	s := config.Settings{DataDir: dir}
	d, _ := db.Open("", s.SQLitePath())
	key, _ := s.MasterKey()
	a := wiring.New(s, d, nil, key)
	signing := "cli-signing-key-0123456789abcdef-xyz"
	if _, err := a.StoreConfig.Save(context.Background(), audit.Actor{Username: "t"}, config.Default, config.Submission{Values: map[string]string{
		config.PathMembershipMode: "signed", config.PathMembershipKey: signing}}); err != nil {
		t.Fatal(err)
	}
	d.Close()
	code, out, stderr := runCLI(t, nil, "", "membership", "sign", "--ids", "5eed0001-0001-4001-8007-000000000001", "--ttl", "10m", "--data", dir)
	if code != 0 {
		t.Fatalf("sign: %d %q", code, stderr)
	}
	ids, err := audiences.VerifyMembership([]byte(signing), strings.TrimSpace(out), time.Now())
	if err != nil || len(ids) != 1 {
		t.Fatalf("printed value does not verify: %v %v", ids, err)
	}
}

func TestUserCreateWithRoleAndResetTwoFactor(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, nil, "", "migrate", "--data", dir); code != 0 {
		t.Fatalf("migrate: %q", stderr)
	}
	code, _, stderr := runCLI(t, nil, "", "user", "create", "--data", dir, "--username", "mia", "--email", "mia@example.com", "--password", "correct-horse-1", "--role", "root")
	if code != 2 || !strings.Contains(stderr, "invalid --role") {
		t.Fatalf("unknown role: %d %q", code, stderr)
	}
	code, out, stderr := runCLI(t, nil, "", "user", "create", "--data", dir, "--username", "mia", "--email", "mia@example.com", "--password", "correct-horse-1", "--role", "marketer")
	if code != 0 || !strings.Contains(out, "(Marketer)") {
		t.Fatalf("create marketer: %d %q %q", code, out, stderr)
	}
	code, out, stderr = runCLI(t, nil, "", "user", "create", "--data", dir, "--username", "root", "--email", "root@example.com", "--password", "correct-horse-1")
	if code != 0 || !strings.Contains(out, "(Administrator)") {
		t.Fatalf("default role: %d %q %q", code, out, stderr)
	}
	code, out, stderr = runCLI(t, nil, "", "user", "reset-2fa", "--data", dir, "--username", "mia")
	if code != 0 || !strings.Contains(out, "is reset") {
		t.Fatalf("reset-2fa: %d %q %q", code, out, stderr)
	}
	code, _, stderr = runCLI(t, nil, "", "user", "reset-2fa", "--data", dir, "--username", "nobody")
	if code != 1 || !strings.Contains(stderr, `no admin user "nobody"`) {
		t.Fatalf("reset-2fa of an unknown user: %d %q", code, stderr)
	}
}

// --metrics-addr moves /metrics to a listener of its own; METRICS_TOKEN guards it.
func TestServeMetricsOnTheirOwnAddressWithAToken(t *testing.T) {
	dir := t.TempDir()
	free := func() string {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		defer l.Close()
		return l.Addr().String()
	}
	addr, metricsAddr := free(), free()
	done := make(chan int, 1)
	var errb bytes.Buffer
	env := func(k string) string {
		if k == "METRICS_TOKEN" {
			return "metrics-token-0123456789"
		}
		return ""
	}
	go func() {
		done <- run([]string{"--addr", addr, "--metrics-addr", metricsAddr, "--data", dir}, env, strings.NewReader(""), &bytes.Buffer{}, &errb)
	}()
	get := func(url, token string) int {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	deadline := time.Now().Add(30 * time.Second)
	for get("http://"+metricsAddr+"/metrics", "metrics-token-0123456789") != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("metrics listener not up: %s", errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code := get("http://"+metricsAddr+"/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("metrics without the token: %d", code)
	}
	if code := get("http://"+addr+"/metrics", "metrics-token-0123456789"); code != http.StatusNotFound {
		t.Errorf("/metrics on the main address: %d, want 404", code)
	}
	syscall.Kill(syscall.Getpid(), syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("no shutdown after SIGTERM")
	}
}
