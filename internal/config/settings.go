// Package config holds the two kinds of configuration the application has: the process
// settings read at start-up (flags and environment) and the scoped store configuration that
// administrators edit in Stores › Configuration (see store.go and services.go).
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Settings are the process settings every subcommand takes, from flags or the environment.
type Settings struct {
	Addr        string        // listen address, host:port
	DataDir     string        // directory for the SQLite file and the key file
	DatabaseURL string        // postgres://… or a SQLite file path; empty means DataDir/admin.db
	SecretKey   string        // master secret; empty means the key file in DataDir
	SessionIdle time.Duration // idle time after which a signed-in admin must sign in again
	LogFormat   string        // "text" or "json"
	// TrustedProxies are the networks whose X-Forwarded-For is believed; empty means the
	// client address is the connection's (so a client cannot fake it).
	TrustedProxies []*net.IPNet
	// TwoFactorOff lets admins sign in with a password alone: for local development only
	// (make demo); the server says so at start and on the sign-in page.
	TwoFactorOff bool
	// CouponTries wrong coupon codes per cart, customer or address within CouponWindow are
	// allowed; more are refused until the window moves on. Zero means the defaults.
	CouponTries  int
	CouponWindow time.Duration
	// MetricsAddr, when set, serves /metrics on this address only (not on Addr).
	MetricsAddr string
	// MetricsToken, when set, is the bearer token /metrics requires (env only: a flag
	// would show in the process list).
	MetricsToken string
}

// Coupon quota defaults: ten wrong codes an hour is plenty for a person and useless for
// guessing codes of eight or more characters.
const (
	DefaultCouponTries  = 10
	DefaultCouponWindow = time.Hour
)

// Flags registers the settings flags on fs, with defaults from env, and returns a function
// that validates them once fs has been parsed.
func Flags(fs *flag.FlagSet, env func(string) string) func() (Settings, error) {
	s := &Settings{}
	fs.StringVar(&s.Addr, "addr", envOr(env, "ADDR", "127.0.0.1:8080"), "listen address (env ADDR)")
	fs.StringVar(&s.DataDir, "data", envOr(env, "DATA_DIR", "./data"), "data directory for SQLite and the key file (env DATA_DIR)")
	fs.StringVar(&s.DatabaseURL, "database-url", env("DATABASE_URL"), "postgres://… for PostgreSQL; default SQLite in the data directory (env DATABASE_URL)")
	idle := fs.String("session-idle", envOr(env, "SESSION_IDLE_TIMEOUT", "30m"), "sign out admins after this much inactivity (env SESSION_IDLE_TIMEOUT)")
	fs.StringVar(&s.LogFormat, "log-format", envOr(env, "LOG_FORMAT", "text"), "log format: text or json (env LOG_FORMAT)")
	fs.BoolVar(&s.TwoFactorOff, "no-2fa", env("ADMIN_2FA") == "off", "let admins sign in without two-factor codes: local development only (env ADMIN_2FA=off)")
	couponTries := fs.Int("coupon-tries", envInt(env, "COUPON_TRIES", DefaultCouponTries), "wrong coupon codes allowed per cart, customer and address per --coupon-window (env COUPON_TRIES)")
	couponWindow := fs.String("coupon-window", envOr(env, "COUPON_WINDOW", DefaultCouponWindow.String()), "the coupon quota's window (env COUPON_WINDOW)")
	fs.StringVar(&s.MetricsAddr, "metrics-addr", env("METRICS_ADDR"), "serve /metrics on this host:port instead of the main address (env METRICS_ADDR)")
	proxies := fs.String("trusted-proxies", env("TRUSTED_PROXIES"), "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is trusted (env TRUSTED_PROXIES)")
	s.SecretKey = env("SECRET_KEY")
	s.MetricsToken = env("METRICS_TOKEN")
	return func() (Settings, error) {
		s.TrustedProxies = nil
		for _, c := range strings.Split(*proxies, ",") {
			if c = strings.TrimSpace(c); c == "" {
				continue
			}
			if !strings.Contains(c, "/") {
				if ip := net.ParseIP(c); ip != nil && ip.To4() != nil {
					c += "/32"
				} else {
					c += "/128"
				}
			}
			_, n, err := net.ParseCIDR(c)
			if err != nil {
				return Settings{}, fmt.Errorf("invalid --trusted-proxies %q: use CIDRs such as 10.0.0.0/8,192.168.1.10", *proxies)
			}
			s.TrustedProxies = append(s.TrustedProxies, n)
		}
		d, err := time.ParseDuration(*idle)
		if err != nil || d < time.Minute || d > 24*time.Hour {
			return Settings{}, fmt.Errorf("invalid --session-idle %q: use a duration between 1m and 24h, such as 30m", *idle)
		}
		s.SessionIdle = d
		if *couponTries < 1 || *couponTries > 10000 {
			return Settings{}, fmt.Errorf("invalid --coupon-tries %d: use a number from 1 to 10000", *couponTries)
		}
		w, err := time.ParseDuration(*couponWindow)
		if err != nil || w < time.Minute || w > 7*24*time.Hour {
			return Settings{}, fmt.Errorf("invalid --coupon-window %q: use a duration between 1m and 168h, such as 1h", *couponWindow)
		}
		s.CouponTries, s.CouponWindow = *couponTries, w
		return *s, s.validate()
	}
}

func envInt(env func(string) string, key string, def int) int {
	if n, err := strconv.Atoi(env(key)); err == nil {
		return n
	}
	return def
}

func envOr(env func(string) string, key, def string) string {
	if v := env(key); v != "" {
		return v
	}
	return def
}

func (s *Settings) validate() error {
	if _, port, err := net.SplitHostPort(s.Addr); err != nil || port == "" {
		return fmt.Errorf("invalid --addr %q: use host:port, such as 127.0.0.1:8080", s.Addr)
	}
	if strings.TrimSpace(s.DataDir) == "" {
		return errors.New("invalid --data: the data directory must not be empty")
	}
	if s.DatabaseURL != "" && strings.Contains(s.DatabaseURL, "://") && !s.IsPostgres() && !strings.HasPrefix(s.DatabaseURL, "sqlite://") {
		return fmt.Errorf("invalid --database-url (DATABASE_URL): use a postgres:// URL or a SQLite file path")
	}
	if s.SecretKey != "" && len(s.SecretKey) < 32 {
		return errors.New("invalid SECRET_KEY: it must be at least 32 characters (try: openssl rand -hex 32)")
	}
	if s.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(s.MetricsAddr); err != nil || port == "" || s.MetricsAddr == s.Addr {
			return fmt.Errorf("invalid --metrics-addr %q: use a host:port other than --addr, such as 127.0.0.1:9090", s.MetricsAddr)
		}
	}
	if s.MetricsToken != "" && len(s.MetricsToken) < 16 {
		return errors.New("invalid METRICS_TOKEN: use at least 16 characters")
	}
	if s.LogFormat != "text" && s.LogFormat != "json" {
		return fmt.Errorf("invalid --log-format %q: use text or json", s.LogFormat)
	}
	return nil
}

// IsPostgres reports whether DatabaseURL selects PostgreSQL.
func (s Settings) IsPostgres() bool {
	return strings.HasPrefix(s.DatabaseURL, "postgres://") || strings.HasPrefix(s.DatabaseURL, "postgresql://")
}

// SQLitePath is the SQLite database file: DatabaseURL when it is a path, else DataDir/admin.db.
func (s Settings) SQLitePath() string {
	if s.DatabaseURL != "" && !s.IsPostgres() {
		return strings.TrimPrefix(s.DatabaseURL, "sqlite://")
	}
	return filepath.Join(s.DataDir, "admin.db")
}

// keyFileName is the master key file created in the data directory on first start.
const keyFileName = "secret.key"

// MasterKey returns SECRET_KEY, or the key file in the data directory, creating both the
// directory and a fresh random key (mode 0600) when neither exists.
func (s Settings) MasterKey() ([]byte, error) {
	if s.SecretKey != "" {
		return []byte(s.SecretKey), nil
	}
	if err := os.MkdirAll(s.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create data directory %s: %w", s.DataDir, err)
	}
	path := filepath.Join(s.DataDir, keyFileName)
	b, err := os.ReadFile(path)
	if err == nil {
		key := strings.TrimSpace(string(b))
		if len(key) < 32 {
			return nil, fmt.Errorf("key file %s is too short: delete it to generate a new one (stored secrets will need re-entering)", path)
		}
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("key file %s is readable by other users: run chmod 600 %s", path, path)
		}
		return []byte(key), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("cannot read key file %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, raw); err != nil {
		return nil, err
	}
	key := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot create key file %s: %w", path, err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return []byte(key), f.Close()
}
