// Package dbtest gives tests a real, migrated database: a fresh SQLite file per test, and —
// when PostgreSQL is installed — a fresh database in a throwaway PostgreSQL cluster that the
// test binary starts on first use and stops when it exits (call Main from TestMain).
package dbtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"audienceactivation/internal/db"
)

// New returns a migrated SQLite database in t's temporary directory.
func New(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open("", filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return d
}

// ForEach runs fn once per database engine as subtests "sqlite" and "postgres". PostgreSQL
// is skipped when it is not installed, unless REQUIRE_POSTGRES=1 (as in CI), which fails.
func ForEach(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, New(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, NewPostgres(t)) })
}

// NewPostgres returns a migrated database of its own in the shared throwaway cluster.
func NewPostgres(t testing.TB) *db.DB {
	t.Helper()
	base, err := cluster()
	if err != nil {
		if os.Getenv("REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL is required (REQUIRE_POSTGRES=1) but could not start: %v", err)
		}
		t.Skipf("PostgreSQL not available: %v", err)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbCounter.Add(1))
	admin, err := db.Open(base+"/postgres?sslmode=disable", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatal(err)
	}
	admin.Close()
	d, err := db.Open(base+"/"+name+"?sslmode=disable", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return d
}

var (
	dbCounter   atomic.Int64
	clusterOnce sync.Once
	clusterURL  string
	clusterErr  error
	clusterStop func()
)

// Main runs the tests and then stops the PostgreSQL cluster if one was started.
func Main(m interface{ Run() int }) {
	code := m.Run()
	if clusterStop != nil {
		clusterStop()
	}
	os.Exit(code)
}

// PostgresBinDir is where Debian installs PostgreSQL 15's server programs.
const PostgresBinDir = "/usr/lib/postgresql/15/bin"

func cluster() (string, error) {
	clusterOnce.Do(func() { clusterURL, clusterErr = startCluster() })
	return clusterURL, clusterErr
}

// startCluster runs initdb and pg_ctl in a fresh directory on a free port, as user postgres
// when the tests run as root (PostgreSQL refuses to run as root).
func startCluster() (string, error) {
	bin := os.Getenv("PG_BIN")
	if bin == "" {
		bin = PostgresBinDir
	}
	if _, err := os.Stat(filepath.Join(bin, "initdb")); err != nil {
		return "", fmt.Errorf("initdb not found in %s", bin)
	}
	dir, err := os.MkdirTemp("", "aa-pg-")
	if err != nil {
		return "", err
	}
	runAs := func(name string, args ...string) *exec.Cmd { return exec.Command(name, args...) }
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return "", fmt.Errorf("running as root and no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chmod(dir, 0o755); err != nil {
			return "", err
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			return "", err
		}
		runAs = func(name string, args ...string) *exec.Cmd {
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := runAs(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		return "", fmt.Errorf("initdb: %v: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return "", err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port, dir)
	if out, err := runAs(filepath.Join(bin, "pg_ctl"), "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "30", "start").CombinedOutput(); err != nil {
		return "", fmt.Errorf("pg_ctl start: %v: %s", err, out)
	}
	clusterStop = func() {
		runAs(filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop").Run()
		os.RemoveAll(dir)
	}
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return url, nil
		}
		if time.Now().After(deadline) {
			return "", err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
