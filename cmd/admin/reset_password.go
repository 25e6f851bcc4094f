package main

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/validation"
)

// userResetPassword sets a new password for an admin user who lost theirs (the demo's,
// say): from --password or standard input. Their sessions end and failed sign-ins are
// forgotten, so they can sign in at once.
func userResetPassword(c *cli) int {
	username, password := *c.flags["username"], *c.flags["password"]
	if username == "" {
		fmt.Fprintln(c.stderr, "admin: user reset-password needs --username")
		return 2
	}
	if password == "" {
		fmt.Fprintf(c.stderr, "New password for %s (at least %d characters): ", username, auth.MinPasswordLen)
		line, err := bufio.NewReader(c.stdin).ReadString('\n')
		if err != nil && line == "" {
			fmt.Fprintln(c.stderr, "\nadmin: cannot read the password:", err)
			return 1
		}
		password = strings.TrimRight(line, "\r\n")
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
		return c.fail(err)
	}
	_, _, err = s.Update(c.ctx, audit.Actor{Username: "cli"}, 0, u.ID, auth.Changes{Email: u.Email, IsActive: u.IsActive, Role: u.Role, Password: password})
	var ve validation.Errors
	if errors.As(err, &ve) {
		for _, msg := range ve {
			fmt.Fprintln(c.stderr, "admin:", msg)
		}
		return 2
	} else if err != nil {
		return c.fail(err)
	}
	if _, err := s.ClearFailures(c.ctx, u.Username); err != nil {
		return c.fail(err)
	}
	fmt.Fprintf(c.stdout, "The password of %q is changed; their other sessions ended.\n", u.Username)
	return 0
}
