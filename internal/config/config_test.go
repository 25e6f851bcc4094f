package config_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/config"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/validation"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func settings(t *testing.T, args []string, env map[string]string) (config.Settings, error) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	get := config.Flags(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return get()
}

func TestSettings(t *testing.T) {
	s, err := settings(t, nil, nil)
	if err != nil || s.Addr != "127.0.0.1:8080" || s.DataDir != "./data" || s.IsPostgres() || s.SQLitePath() != "data/admin.db" {
		t.Fatalf("defaults: %+v %v", s, err)
	}
	s, err = settings(t, []string{"--addr", "0.0.0.0:9000"}, map[string]string{"ADDR": "127.0.0.1:1", "DATABASE_URL": "postgres://u@h/db"})
	if err != nil || s.Addr != "0.0.0.0:9000" || !s.IsPostgres() {
		t.Fatalf("flag over env: %+v %v", s, err)
	}
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"addr":     {[]string{"--addr", "8080"}, nil, "invalid --addr"},
		"key":      {nil, map[string]string{"SECRET_KEY": "short"}, "SECRET_KEY"},
		"db":       {nil, map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		"idle":     {[]string{"--session-idle", "5s"}, nil, "session-idle"},
		"logforma": {[]string{"--log-format", "xml"}, nil, "log-format"},
	} {
		_, err := settings(t, tc.args, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line mentioning %q", name, err, tc.want)
		}
	}
}

func TestMasterKeyFileIsCreatedPrivately(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := config.Settings{DataDir: dir}
	k1, err := s.MasterKey()
	if err != nil || len(k1) < 32 {
		t.Fatalf("key %q err %v", k1, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v err %v", fi.Mode(), err)
	}
	k2, _ := s.MasterKey()
	if string(k1) != string(k2) {
		t.Fatal("key changed between starts")
	}
	os.Chmod(filepath.Join(dir, "secret.key"), 0o644)
	if _, err := s.MasterKey(); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key accepted: %v", err)
	}
}

func TestSealer(t *testing.T) {
	s := config.NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	sealed := s.Seal("a/b", "hunter2-secret")
	if !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, "hunter2") {
		t.Fatalf("sealed %q", sealed)
	}
	if pt, err := s.Open("a/b", sealed); err != nil || pt != "hunter2-secret" {
		t.Fatalf("open: %q %v", pt, err)
	}
	if sealed == s.Seal("a/b", "hunter2-secret") {
		t.Fatal("sealing is deterministic: nonce reused")
	}
	if _, err := s.Open("other/path", sealed); !errors.Is(err, config.ErrUnseal) {
		t.Fatal("a value moved to another path opened")
	}
	other := config.NewSealer([]byte("another-key-0123456789abcdef-0123456"))
	if _, err := other.Open("a/b", sealed); !errors.Is(err, config.ErrUnseal) {
		t.Fatal("opened with the wrong key")
	}
	tampered := sealed[:len(sealed)-2] + "AA"
	if _, err := s.Open("a/b", tampered); !errors.Is(err, config.ErrUnseal) {
		t.Fatal("tampered value opened")
	}
}

func newStoreConfig(d *db.DB) *config.StoreConfig {
	return config.NewStoreConfig(config.NewStore(d, config.NewSealer([]byte("0123456789abcdef0123456789abcdef"))), audit.NewLog(d))
}

func TestServicesScopesAndSecrets(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc := newStoreConfig(d)
		who := audit.Actor{Username: "admin"}
		const ds1, ds2 = "3f0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90", "11111111-2222-3333-4444-555555555555"
		if _, err := svc.Save(ctx, who, config.Default, config.Submission{Values: map[string]string{
			config.PathDatastreamID: ds1, config.PathCDPClientSecret: "p8e-secret-value", config.PathCDPSandbox: "prod"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Save(ctx, who, config.Website(1), config.Submission{Values: map[string]string{config.PathDatastreamID: ds2}}); err != nil {
			t.Fatal(err)
		}
		if v, _ := svc.Get(ctx, config.PathDatastreamID, 1); v != ds2 {
			t.Fatalf("website value %q", v)
		}
		if v, _ := svc.Get(ctx, config.PathDatastreamID, 2); v != ds1 {
			t.Fatalf("another website inherits %q", v)
		}
		if v, _ := svc.Get(ctx, config.PathCDPClientSecret, 0); v != "p8e-secret-value" {
			t.Fatalf("secret round trip %q", v)
		}
		if v, _ := svc.Get(ctx, config.PathWebSDKName, 1); v != "alloy" {
			t.Fatalf("field default %q", v)
		}
		// A global field sent at website scope is ignored.
		svc.Save(ctx, who, config.Website(1), config.Submission{Values: map[string]string{config.PathCDPClientID: "abcdefgh12345678"}})
		if v, _ := svc.Get(ctx, config.PathCDPClientID, 0); v != "" {
			t.Fatalf("global field set from website scope: %q", v)
		}
		// One invalid field: nothing of the submission is written.
		_, err := svc.Save(ctx, who, config.Default, config.Submission{Values: map[string]string{
			config.PathCDPClientID: "abcdefgh12345678", config.PathCDPOrgID: "nope"}})
		var ve validation.Errors
		if !errors.As(err, &ve) || ve[config.PathCDPOrgID] == "" {
			t.Fatalf("want a validation error on the org ID, got %v", err)
		}
		if v, _ := svc.Get(ctx, config.PathCDPClientID, 0); v != "" {
			t.Fatal("half-written save")
		}
		// State never carries a secret's value.
		st, _ := svc.State(ctx, config.Default)
		sec := st[config.PathCDPClientSecret]
		if !sec.Secret.Set || sec.Value != "" || sec.Effective != "" {
			t.Fatalf("secret state %+v", sec)
		}
		// Clearing a secret removes it.
		svc.Save(ctx, who, config.Default, config.Submission{ClearSecret: map[string]bool{config.PathCDPClientSecret: true}})
		if v, _ := svc.Get(ctx, config.PathCDPClientSecret, 0); v != "" {
			t.Fatal("secret not cleared")
		}
	})
}

func TestParseWorkspace(t *testing.T) {
	good := `{"project":{"title":"Store","org":{"ims_org_id":"ABC@AdobeOrg"},"workspace":{"name":"Production","details":{"credentials":[
		{"integration_type":"oauth_server_to_server","oauth_server_to_server":{"client_id":"cid123456","client_secrets":["p8e-x1234567"],"technical_account_email":"t@techacct.adobe.com","technical_account_id":"T@techacct.adobe.com",
		 "scopes":["openid","AdobeID","read_organizations","additional_info.projectedProductContext","session"]}}]}}}}`
	w, err := config.ParseWorkspace([]byte(good))
	if err != nil || w.ClientID != "cid123456" || w.ClientSecret != "p8e-x1234567" || w.OrgID != "ABC@AdobeOrg" || w.Project != "Store" {
		t.Fatalf("%+v %v", w, err)
	}
	if strings.Join(w.Scopes, ",") != config.DefaultCDPScopes {
		t.Fatalf("scopes %q", w.Scopes)
	}
	// Typed with spaces after the commas, as people write lists, the scopes are accepted.
	if f, _ := config.FieldByPath(config.PathCDPScopes); f.Validate("openid, AdobeID, read_organizations") != "" || f.Validate("openid,,x") == "" {
		t.Fatal("scopes with spaces after commas refused, or an empty scope accepted")
	}
	for _, bad := range []string{``, `{`, `"text"`, `{"project":{}}`, strings.Repeat(" ", config.MaxWorkspaceSize+1)} {
		if _, err := config.ParseWorkspace([]byte(bad)); !errors.Is(err, config.ErrWorkspace) {
			t.Errorf("%.20q: %v", bad, err)
		}
	}
}

func FuzzParseWorkspace(f *testing.F) {
	f.Add([]byte(`{"project":{"org":{"ims_org_id":"A@AdobeOrg"}}}`))
	f.Add([]byte(`{"project":{"workspace":{"details":{"credentials":[{"oauth_server_to_server":{"client_id":"x"}}]}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := config.ParseWorkspace(b)
		if err != nil && !errors.Is(err, config.ErrWorkspace) {
			t.Fatalf("unexpected error type: %v", err)
		}
		if err == nil && (w.ClientID == "" || w.ClientSecret == "") {
			t.Fatal("accepted a credential without client ID or secret")
		}
	})
}

// The stored client secret goes only where it was saved for: changing the IMS or Platform
// API URL needs it typed again; and the URLs must be https unless on this machine.
func TestChangingCDPURLsNeedsTheSecretAgain(t *testing.T) {
	ctx := context.Background()
	svc := newStoreConfig(dbtest.New(t))
	who := audit.Actor{Username: "admin"}
	if _, err := svc.Save(ctx, who, config.Default, config.Submission{Values: map[string]string{
		config.PathCDPClientSecret: "p8e-secret-value", config.PathCDPIMSURL: "https://ims-na1.adobelogin.com"}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{config.PathCDPIMSURL, config.PathCDPPlatformURL} {
		_, err := svc.Save(ctx, who, config.Default, config.Submission{Values: map[string]string{path: "https://collector.example"}})
		var ve validation.Errors
		if !errors.As(err, &ve) || !strings.Contains(ve[config.PathCDPClientSecret], "enter the client secret again") {
			t.Fatalf("%s changed without the secret: %v", path, err)
		}
		if v, _ := svc.Get(ctx, path, 0); v == "https://collector.example" {
			t.Fatalf("%s was saved", path)
		}
	}
	// The same URL (a trailing slash aside), or the secret typed again, is fine.
	if _, err := svc.Save(ctx, who, config.Default, config.Submission{Values: map[string]string{config.PathCDPIMSURL: "https://ims-na1.adobelogin.com/"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Save(ctx, who, config.Default, config.Submission{Values: map[string]string{
		config.PathCDPIMSURL: "https://ims-eu1.adobelogin.com", config.PathCDPClientSecret: "p8e-secret-value"}}); err != nil {
		t.Fatal(err)
	}
	for url, ok := range map[string]bool{"http://platform.example": false, "http://127.0.0.1:9000": true, "http://[::1]:9000": true,
		"http://localhost:9000": true, "https://platform.adobe.io": true, "ftp://x": false} {
		_, err := svc.Save(ctx, who, config.Default, config.Submission{Values: map[string]string{
			config.PathCDPPlatformURL: url, config.PathCDPClientSecret: "p8e-secret-value"}})
		if (err == nil) != ok {
			t.Errorf("%s: %v", url, err)
		}
	}
}

// Saving the form as shown changes nothing and logs nothing: fields showing their default
// are not counted as changed.
func TestSavingDefaultsIsNotAChange(t *testing.T) {
	ctx := context.Background()
	svc := newStoreConfig(dbtest.New(t))
	who := audit.Actor{Username: "admin"}
	state, err := svc.State(ctx, config.Default)
	if err != nil {
		t.Fatal(err)
	}
	sub := config.Submission{Values: map[string]string{}}
	for _, sec := range config.ServicesSections {
		for _, f := range sec.Fields {
			if f.EditableAt(config.Default) && f.Kind != config.KindSecret {
				sub.Values[f.Path] = state[f.Path].Effective
			}
		}
	}
	changes, err := svc.Save(ctx, who, config.Default, sub)
	if err != nil || len(changes) != 0 {
		t.Fatalf("saving the defaults: %v changes, %v", changes, err)
	}
	sub.Values[config.PathCDPSandbox] = "dev"
	if changes, err := svc.Save(ctx, who, config.Default, sub); err != nil || len(changes) != 1 || changes[0].Path != config.PathCDPSandbox {
		t.Fatalf("one real change: %v %v", changes, err)
	}
}
