package main

import (
	"errors"
	"fmt"

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
