package main

import (
	"context"
	"strings"
	"testing"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/db"
)

func TestUserResetPassword(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, nil, "correct-horse-1\n", "user", "create", "--data", dir, "--username", "demo", "--email", "demo@example.com"); code != 0 {
		t.Fatalf("create: %s", stderr)
	}
	if code, _, stderr := runCLI(t, nil, "", "user", "reset-password", "--data", dir, "--username", "nobody", "--password", "another-horse-2"); code != 1 || !strings.Contains(stderr, `no admin user "nobody"`) {
		t.Fatalf("unknown user: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, nil, "short\n", "user", "reset-password", "--data", dir, "--username", "demo"); code != 2 || stderr == "" {
		t.Fatalf("weak password: %d %q", code, stderr)
	}
	code, out, stderr := runCLI(t, nil, "another-horse-2\n", "user", "reset-password", "--data", dir, "--username", "demo")
	if code != 0 || !strings.Contains(out, `The password of "demo" is changed`) {
		t.Fatalf("reset: %d %q %q", code, out, stderr)
	}
	d, err := db.Open("", dir+"/admin.db")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s := auth.NewService(d, audit.NewLog(d))
	if _, err := s.Authenticate(context.Background(), "demo", "another-horse-2", "127.0.0.1"); err != nil {
		t.Fatalf("the new password does not sign in: %v", err)
	}
	if _, err := s.Authenticate(context.Background(), "demo", "correct-horse-1", "127.0.0.1"); err == nil {
		t.Fatal("the old password still signs in")
	}
}
