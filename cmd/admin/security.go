package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
)

// userResetTwoFactor removes a user's two-factor secret and recovery codes (a lost phone),
// ending their sessions; they enrol again at their next sign-in.
func userResetTwoFactor(c *cli) int {
	username := *c.flags["username"]
	if username == "" {
		fmt.Fprintln(c.stderr, "admin: user reset-2fa needs --username")
		return 2
	}
	d, ok := c.openDB()
	if !ok {
		return 1
	}
	defer d.Close()
	s := auth.NewService(d, audit.NewLog(d))
	u, err := s.ByUsername(c.ctx, username)
	if errors.Is(err, auth.ErrNotFound) {
		fmt.Fprintf(c.stderr, "admin: no admin user %q\n", username)
		return 1
	} else if err != nil {
		fmt.Fprintln(c.stderr, "admin:", err)
		return 1
	}
	if err := s.ResetTwoFactor(c.ctx, audit.Actor{Username: "cli"}, u.ID); err != nil {
		fmt.Fprintln(c.stderr, "admin:", err)
		return 1
	}
	fmt.Fprintf(c.stdout, "Two-factor sign-in of %q is reset: their sessions ended, and they set it up again at their next sign-in.\n", u.Username)
	return 0
}

// serveMetrics serves /metrics alone on addr (--metrics-addr), for a scraper on a network
// the public does not reach, until ctx ends.
func serveMetrics(ctx context.Context, addr string, h http.Handler, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	log.Info("serving metrics", "addr", "http://"+addr+"/metrics")
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("metrics listener stopped", "addr", addr, "error", err)
	}
}
