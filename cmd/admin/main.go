// Command admin is the Audience Activation admin application: it serves the admin (the
// default), applies database migrations, manages admin users, syncs Real-Time CDP
// audiences, and runs a demo store. Run "admin help" for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"audienceactivation/cmd/admin/wiring"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/config"
	"audienceactivation/internal/db"
	"audienceactivation/internal/validation"
	"audienceactivation/web"
)

func main() {
	wiring.TuneRuntime(os.Getenv)
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// cli is what a command runs with.
type cli struct {
	ctx      context.Context
	settings config.Settings
	stdin    io.Reader
	stdout   io.Writer
	stderr   io.Writer
	logger   *slog.Logger
	flags    map[string]*string
	bools    map[string]*bool
	args     []string
}

// command is one subcommand: its words, help, own flags, and what it does.
type command struct {
	words   string
	summary string
	strings []flagDef
	bools   []flagDef
	args    string // the positional argument's name, if the command takes one
	run     func(c *cli) int
}

type flagDef struct{ name, usage string }

var commands = []command{
	{words: "serve", summary: "serve the admin (the default command)", run: serve},
	{words: "demo", summary: "serve the admin with a seeded demo store and a CDP emulator", run: demo},
	{words: "migrate", summary: "apply pending database migrations", run: migrateCmd},
	{words: "user create", summary: "create an admin user (password from --password or standard input)",
		strings: []flagDef{{"username", "user name"}, {"email", "email address"}, {"password", "password (default: read from standard input)"},
			{"role", "role: administrator, marketer, content_editor or viewer (default administrator)"}},
		run: userCreate},
	{words: "user reset-2fa", summary: "reset a user's two-factor sign-in: they set it up again at their next sign-in",
		strings: []flagDef{{"username", "user name"}}, run: userResetTwoFactor},
	{words: "user reset-password", summary: "set a new password for an admin user (from --password or standard input)",
		strings: []flagDef{{"username", "user name"}, {"password", "the new password (default: read from standard input)"}}, run: userResetPassword},
	{words: "user unlock", summary: "clear failed sign-ins: of one user (--username), or all",
		strings: []flagDef{{"username", "user name (default: every user and address)"}}, run: userUnlock},
	{words: "audiences sync", summary: "sync the activated audiences from Real-Time CDP now", run: audiencesSync},
	{words: "audiences config-status", summary: "show the CDP configuration and whether token and listing work",
		bools: []flagDef{{"v", "verbose: also list destinations and dataflows"}}, run: audiencesConfigStatus},
	{words: "audiences list", summary: "list the audiences in the store",
		bools: []flagDef{{"json", "print JSON"}}, run: audiencesList},
	{words: "membership sign", summary: "print a signed aep-segments-membership value for testing signed mode",
		strings: []flagDef{{"ids", "comma-separated CDP audience ids"}, {"ttl", "how long it is valid (default 1h; at most the configured maximum lifetime)"},
			{"customer", "bind the value to this customer id (default: valid for any shopper)"}}, run: membershipSign},
	{words: "catalog import", summary: "create or update products from a CSV FILE (all or nothing)", args: "FILE", run: catalogImport},
	{words: "pricerules export", summary: "write every cart price rule as JSON to FILE (- for standard output)", args: "FILE", run: rulesExport},
	{words: "pricerules import", summary: "add or update (by code) the rules of a JSON rules FILE (- for standard input); all or nothing", args: "FILE", run: rulesImport},
	{words: "pricerules schema", summary: "print the JSON Schema of the rules file", run: pricerulesSchema},
}

const settingsHelp = `
Settings (every command; flag or environment):
  --addr ADDR              listen address (ADDR, default 127.0.0.1:8080)
  --data DIR               data directory (DATA_DIR, default ./data)
  --database-url URL       postgres://… for PostgreSQL (DATABASE_URL; default SQLite in DIR)
  --session-idle DUR       sign admins out after this inactivity (SESSION_IDLE_TIMEOUT, default 30m)
  --log-format FORMAT      text or json (LOG_FORMAT, default text)
  --trusted-proxies CIDRS  reverse proxies whose X-Forwarded-For is believed (TRUSTED_PROXIES)
  --no-2fa                 admins sign in without two-factor codes: local development only (ADMIN_2FA=off)
  --coupon-tries N         wrong coupon codes allowed per cart, customer and address (COUPON_TRIES, default 10)
  --coupon-window DUR      the coupon quota's window (COUPON_WINDOW, default 1h)
  --metrics-addr ADDR      serve /metrics on this address instead of the main one (METRICS_ADDR)
  METRICS_TOKEN            bearer token /metrics asks for (environment only)
  SECRET_KEY               master key (environment only); default: DIR/secret.key, made on first start
`

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: admin [command] [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-25s %s\n", strings.TrimSpace(c.words+" "+c.args), c.summary)
	}
	fmt.Fprint(w, settingsHelp)
}

// boolFlags take no value; every other flag takes one.
var boolFlags = map[string]bool{"v": true, "json": true, "h": true, "help": true}

// splitCommand finds the command words among args (flags may come before or after them)
// and returns the command and the remaining flag arguments.
func splitCommand(args []string) (*command, []string, string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && !boolFlags[name] {
				i++ // the flag's value
			}
			continue
		}
		for j := range commands {
			words := strings.Fields(commands[j].words)
			if i+len(words) <= len(args) && strings.Join(args[i:i+len(words)], " ") == commands[j].words {
				rest := append(append([]string{}, args[:i]...), args[i+len(words):]...)
				return &commands[j], rest, ""
			}
		}
		if a == "help" {
			return nil, nil, "help"
		}
		group := a
		if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			group += " " + args[i+1]
		}
		return nil, nil, group
	}
	return &commands[0], args, ""
}

// run is main without the process: it returns the exit code.
func run(args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd, rest, other := splitCommand(args)
	if cmd == nil {
		if other == "help" {
			usage(stdout)
			return 0
		}
		fmt.Fprintf(stderr, "admin: unknown command %q; run 'admin help' for the commands\n", other)
		return 2
	}
	fs := flag.NewFlagSet("admin "+cmd.words, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	settings := config.Flags(fs, env)
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, flags: map[string]*string{}, bools: map[string]*bool{}}
	for _, f := range cmd.strings {
		c.flags[f.name] = fs.String(f.name, "", f.usage)
	}
	for _, f := range cmd.bools {
		c.bools[f.name] = fs.Bool(f.name, false, f.usage)
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "Usage: admin %s [flags] %s\n\n%s\n", cmd.words, cmd.args, cmd.summary)
			if len(cmd.strings)+len(cmd.bools) > 0 {
				fmt.Fprintln(stdout, "\nFlags:")
				for _, f := range cmd.strings {
					fmt.Fprintf(stdout, "  --%-22s %s\n", f.name+" VALUE", f.usage)
				}
				for _, f := range cmd.bools {
					fmt.Fprintf(stdout, "  --%-22s %s\n", f.name, f.usage)
				}
			}
			fmt.Fprint(stdout, settingsHelp)
			return 0
		}
		fmt.Fprintf(stderr, "admin: %v; run 'admin %s --help'\n", err, cmd.words)
		return 2
	}
	c.args = fs.Args()
	// Flags may follow the positional argument too.
	if cmd.args != "" && len(c.args) > 1 {
		if err := fs.Parse(c.args[1:]); err != nil {
			fmt.Fprintf(stderr, "admin: %v; run 'admin %s --help'\n", err, cmd.words)
			return 2
		}
		c.args = append(c.args[:1], fs.Args()...)
	}
	switch {
	case cmd.args == "" && len(c.args) > 0:
		fmt.Fprintf(stderr, "admin: unexpected argument %q; run 'admin %s --help'\n", c.args[0], cmd.words)
		return 2
	case cmd.args != "" && len(c.args) != 1:
		fmt.Fprintf(stderr, "admin: %s needs one %s; run 'admin %s --help'\n", cmd.words, cmd.args, cmd.words)
		return 2
	}
	s, err := settings()
	if err != nil {
		fmt.Fprintln(stderr, "admin:", err)
		return 2
	}
	c.settings = s
	c.logger = newLogger(s, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c.ctx = ctx
	return cmd.run(c)
}

func newLogger(s config.Settings, w io.Writer) *slog.Logger {
	if s.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// openDB opens and migrates the database.
func (c *cli) openDB() (*db.DB, bool) {
	d, err := db.Open(c.settings.DatabaseURL, c.settings.SQLitePath())
	if err != nil {
		fmt.Fprintln(c.stderr, "admin:", err)
		return nil, false
	}
	n, err := d.Migrate(c.ctx, nil)
	if err != nil {
		d.Close()
		fmt.Fprintln(c.stderr, "admin:", err)
		return nil, false
	}
	if n > 0 {
		c.logger.Info("applied migrations", "count", n, "version", db.LatestVersion())
	}
	return d, true
}

// openApp opens the database and wires every service with the master key.
func (c *cli) openApp() (*wiring.App, func(), bool) {
	d, ok := c.openDB()
	if !ok {
		return nil, nil, false
	}
	key, err := c.settings.MasterKey()
	if err != nil {
		d.Close()
		fmt.Fprintln(c.stderr, "admin:", err)
		return nil, nil, false
	}
	return wiring.New(c.settings, d, c.logger, key), func() { d.Close() }, true
}

func migrateCmd(c *cli) int {
	d, ok := c.openDB()
	if !ok {
		return 1
	}
	defer d.Close()
	fmt.Fprintf(c.stdout, "Database is at migration %d.\n", db.LatestVersion())
	return 0
}

func serve(c *cli) int {
	a, closeApp, ok := c.openApp()
	if !ok {
		return 1
	}
	defer closeApp()
	return serveApp(c.ctx, a, c.settings.Addr, c.stderr)
}

// serveApp runs the admin with its background jobs until ctx ends.
func serveApp(ctx context.Context, a *wiring.App, addr string, stderr io.Writer) int {
	return serveWith(ctx, a, addr, stderr, false)
}

// serveDemo is serveApp with the storefront's panel for joining and leaving audiences.
func serveDemo(ctx context.Context, a *wiring.App, addr string, stderr io.Writer) int {
	return serveWith(ctx, a, addr, stderr, true)
}

func serveWith(ctx context.Context, a *wiring.App, addr string, stderr io.Writer, demo bool) int {
	if a.Settings.TwoFactorOff {
		fmt.Fprintln(stderr, "admin: WARNING: two-factor sign-in is OFF (--no-2fa / ADMIN_2FA=off): admins sign in with a password alone. For local development only.")
	}
	go pruneLoginFailures(ctx, a.Auth, a.Logger)
	go a.Syncer.Schedule(ctx, a.SyncInterval)
	a.WatchSnapshots(ctx)
	deps := webDeps(a)
	deps.DemoMode = demo
	srv := web.New(deps)
	if a.Settings.MetricsAddr != "" {
		go serveMetrics(ctx, a.Settings.MetricsAddr, srv.MetricsHandler(), a.Logger)
	}
	if err := srv.ListenAndServe(ctx, addr); err != nil {
		fmt.Fprintln(stderr, "admin:", err)
		return 1
	}
	return 0
}

func webDeps(a *wiring.App) web.Deps {
	d := a.Deps
	d.CreateUserCommand = createUserCommand(a.Settings)
	return d
}

// createUserCommand is the command a person runs to create an admin user in the database
// this server uses, for the first-run instructions. It never prints a database password.
func createUserCommand(s config.Settings) string {
	bin := os.Args[0]
	if strings.Contains(bin, "go-build") {
		bin = "go run ./cmd/admin"
	}
	cmd := bin + " user create"
	switch {
	case s.IsPostgres():
		cmd = "DATABASE_URL='<this server's DATABASE_URL>' " + cmd
	case s.DatabaseURL != "":
		cmd += " --database-url " + shellQuote(s.DatabaseURL)
	case filepath.Clean(s.DataDir) != "data":
		cmd += " --data " + shellQuote(s.DataDir)
	}
	return cmd
}

func shellQuote(v string) string {
	if v != "" && strings.IndexFunc(v, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

func userCreate(c *cli) int {
	username, email, password, role := *c.flags["username"], *c.flags["email"], *c.flags["password"], *c.flags["role"]
	if username == "" || email == "" {
		fmt.Fprintln(c.stderr, "admin: user create needs --username and --email")
		return 2
	}
	if role != "" && !auth.ValidRole(role) {
		fmt.Fprintf(c.stderr, "admin: invalid --role %q: use administrator, marketer, content_editor or viewer\n", role)
		return 2
	}
	if password == "" {
		var ok bool
		if password, ok = c.readPassword("Password (read from standard input):"); !ok {
			return 1
		}
	}
	d, ok := c.openDB()
	if !ok {
		return 1
	}
	defer d.Close()
	u, err := auth.NewService(d, audit.NewLog(d)).Create(c.ctx, audit.Actor{Username: "cli"}, auth.NewUser{Username: username, Email: email, Password: password, Role: role})
	var ve validation.Errors
	if errors.As(err, &ve) {
		for _, field := range []string{"username", "email", "password", "role"} {
			if msg, ok := ve[field]; ok {
				fmt.Fprintf(c.stderr, "admin: %s: %s\n", field, msg)
			}
		}
		return 1
	} else if err != nil {
		fmt.Fprintln(c.stderr, "admin:", err)
		return 1
	}
	fmt.Fprintf(c.stdout, "Created admin user %q (%s). Sign in at /admin/login.\n", u.Username, auth.RoleLabel(u.Role))
	return 0
}

func userUnlock(c *cli) int {
	d, ok := c.openDB()
	if !ok {
		return 1
	}
	defer d.Close()
	username := *c.flags["username"]
	n, err := auth.NewService(d, audit.NewLog(d)).ClearFailures(c.ctx, username)
	if err != nil {
		fmt.Fprintln(c.stderr, "admin:", err)
		return 1
	}
	who := "every user and address"
	if username != "" {
		who = fmt.Sprintf("user %q", username)
	}
	fmt.Fprintf(c.stdout, "Cleared %d failed sign-in(s) of %s: sign-in is open again.\n", n, who)
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
