// Command admin is the Audience Activation admin application: it serves the admin (the
// default), applies database migrations, and manages admin users.
//
//	admin [serve] [--addr 127.0.0.1:8080] [--data ./data]
//	admin migrate
//	admin user create --username NAME --email EMAIL [--password PW | password on stdin]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/config"
	"audienceactivation/internal/db"
	"audienceactivation/internal/stores"
	"audienceactivation/internal/validation"
	"audienceactivation/web"
)

func main() {
	code := run(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	os.Exit(code)
}

const usage = `Usage: admin [command] [flags]

Commands:
  serve                 serve the admin (the default)
  migrate               apply pending database migrations
  user create           create an admin user: --username, --email, --password (or stdin)

Settings (every command; flag or environment):
  --addr ADDR           listen address (ADDR, default 127.0.0.1:8080)
  --data DIR            data directory (DATA_DIR, default ./data)
  --database-url URL    postgres://… for PostgreSQL (DATABASE_URL; default SQLite in DIR)
  --session-idle DUR    sign admins out after this inactivity (SESSION_IDLE_TIMEOUT, default 30m)
  --log-format FORMAT   text or json (LOG_FORMAT, default text)
  SECRET_KEY            master key (env only); default: DIR/secret.key, created on first start
`

// run is main without the process: it returns the exit code.
func run(args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "user" {
		if len(args) == 0 || args[0] != "create" {
			fmt.Fprintln(stderr, "admin: unknown user command; use: admin user create --username NAME --email EMAIL")
			return 2
		}
		cmd, args = "user create", args[1:]
	}
	fs := flag.NewFlagSet("admin "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	settings := config.Flags(fs, env)
	var username, email, password string
	if cmd == "user create" {
		fs.StringVar(&username, "username", "", "user name")
		fs.StringVar(&email, "email", "", "email address")
		fs.StringVar(&password, "password", "", "password (default: read from standard input)")
	}
	switch cmd {
	case "serve", "migrate", "user create":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "admin: unknown command %q\n%s", cmd, usage)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "admin: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	s, err := settings()
	if err != nil {
		fmt.Fprintln(stderr, "admin:", err)
		return 2
	}
	logger := newLogger(s, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	d, err := db.Open(s.DatabaseURL, s.SQLitePath())
	if err != nil {
		fmt.Fprintln(stderr, "admin:", err)
		return 1
	}
	defer d.Close()
	n, err := d.Migrate(ctx, nil)
	if err != nil {
		fmt.Fprintln(stderr, "admin:", err)
		return 1
	}
	if n > 0 {
		logger.Info("applied migrations", "count", n, "version", db.LatestVersion())
	}
	switch cmd {
	case "migrate":
		fmt.Fprintf(stdout, "Database is at migration %d (%d applied now).\n", db.LatestVersion(), n)
		return 0
	case "user create":
		return createUser(ctx, d, username, email, password, stdin, stdout, stderr)
	}
	key, err := s.MasterKey()
	if err != nil {
		fmt.Fprintln(stderr, "admin:", err)
		return 1
	}
	log := audit.NewLog(d)
	authSvc := auth.NewService(d, log)
	go pruneLoginFailures(ctx, authSvc, logger)
	srv := web.New(web.Deps{
		Settings: s, MasterKey: key, DB: d, Logger: logger,
		Auth: authSvc, Stores: stores.NewService(d, log), Audit: log,
		Services:     config.NewServices(config.NewStore(d, config.NewSealer(key)), log),
		AdminCommand: adminCommand(),
	})
	if err := srv.ListenAndServe(ctx, s.Addr); err != nil {
		fmt.Fprintln(stderr, "admin:", err)
		return 1
	}
	return 0
}

func newLogger(s config.Settings, w io.Writer) *slog.Logger {
	if s.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// adminCommand is how a person runs this binary, for the first-run instructions.
func adminCommand() string {
	if strings.Contains(os.Args[0], "go-build") {
		return "go run ./cmd/admin"
	}
	return os.Args[0]
}

func createUser(ctx context.Context, d *db.DB, username, email, password string, stdin io.Reader, stdout, stderr io.Writer) int {
	if username == "" || email == "" {
		fmt.Fprintln(stderr, "admin: user create needs --username and --email")
		return 2
	}
	if password == "" {
		fmt.Fprintln(stderr, "Password (read from standard input):")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			fmt.Fprintln(stderr, "admin: cannot read the password:", err)
			return 1
		}
		password = strings.TrimRight(line, "\r\n")
	}
	u, err := auth.NewService(d, audit.NewLog(d)).Create(ctx, audit.Actor{Username: "cli"}, auth.NewUser{Username: username, Email: email, Password: password})
	var ve validation.Errors
	if errors.As(err, &ve) {
		for _, field := range []string{"username", "email", "password"} {
			if msg, ok := ve[field]; ok {
				fmt.Fprintf(stderr, "admin: %s: %s\n", field, msg)
			}
		}
		return 1
	} else if err != nil {
		fmt.Fprintln(stderr, "admin:", err)
		return 1
	}
	fmt.Fprintf(stdout, "Created admin user %q. Sign in at the admin's /admin/login.\n", u.Username)
	return 0
}

// pruneLoginFailures deletes sign-in failures older than the throttling window, hourly.
func pruneLoginFailures(ctx context.Context, a *auth.Service, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := a.PruneFailures(ctx); err != nil && ctx.Err() == nil {
			log.Warn("pruning sign-in failures", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
