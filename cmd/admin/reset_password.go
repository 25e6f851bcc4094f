package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
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
		var ok bool
		if password, ok = c.readPassword(fmt.Sprintf("New password for %s (at least %d characters, read from standard input):", username, auth.MinPasswordLen)); !ok {
			return 1
		}
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

// readPassword asks for a password on standard error and reads one line of standard input.
func (c *cli) readPassword(prompt string) (string, bool) {
	fmt.Fprintln(c.stderr, prompt)
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintln(c.stderr, "admin: cannot read the password:", err)
		return "", false
	}
	return strings.TrimRight(line, "\r\n"), true
}
