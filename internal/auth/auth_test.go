package auth_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/throttle"
	"audienceactivation/internal/validation"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("correct-horse-1")
	if err != nil {
		t.Fatal(err)
	}
	if !auth.CheckPassword(h, "correct-horse-1") || auth.CheckPassword(h, "correct-horse-2") || auth.CheckPassword("garbage", "x") {
		t.Fatal("hash check wrong")
	}
	if h2, _ := auth.HashPassword("correct-horse-1"); h2 == h {
		t.Fatal("no salt")
	}
}

func TestUsersAndThrottling(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		who := audit.Actor{Username: "t"}
		s := auth.NewService(d, audit.NewLog(d))
		now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
		s.SetClock(func() time.Time { return now })
		u, err := s.Create(ctx, who, auth.NewUser{Username: "admin", Email: "admin@example.com", Password: "correct-horse-1"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Create(ctx, who, auth.NewUser{Username: "admin", Email: "other@example.com", Password: "correct-horse-1"})
		var ve validation.Errors
		if !errors.As(err, &ve) || ve["username"] == "" {
			t.Fatalf("duplicate username: %v", err)
		}
		if _, err := s.Authenticate(ctx, "admin", "correct-horse-1", "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < auth.MaxFailures; i++ {
			if _, err := s.Authenticate(ctx, "admin", "wrong", "10.0.0.1"); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("failure %d: %v", i, err)
			}
			now = now.Add(time.Minute)
		}
		// Five wrong passwords from one place lock that place out, not the admin everywhere.
		var te *auth.ThrottledError
		if _, err := s.Authenticate(ctx, "admin", "correct-horse-1", "10.0.0.1"); !errors.As(err, &te) {
			t.Fatalf("6th try from the same address not throttled: %v", err)
		}
		if _, err := s.Authenticate(ctx, "admin", "correct-horse-1", "10.0.0.2"); err != nil {
			t.Fatalf("the admin is locked out from another address: %v", err)
		}
		// The lock lifts when the oldest failure leaves the 15-minute window.
		now = now.Add(auth.Window - 4*time.Minute)
		if _, err := s.Authenticate(ctx, "admin", "correct-horse-1", "10.0.0.1"); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		// One address guessing many usernames is stopped at MaxAddressFailures.
		now = now.Add(auth.Window)
		for i := 0; i < auth.MaxAddressFailures; i++ {
			if _, err := s.Authenticate(ctx, fmt.Sprintf("user%d", i), "wrong", "10.0.0.9"); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		if _, err := s.Authenticate(ctx, "admin", "correct-horse-1", "10.0.0.9"); !errors.As(err, &te) {
			t.Fatalf("address over its limit not throttled: %v", err)
		}
		if _, err := s.Authenticate(ctx, "admin", "correct-horse-1", "10.0.0.10"); err != nil {
			t.Fatalf("another address: %v", err)
		}
		// Customers (Attempt): per account and per address from the context.
		cctx := throttle.WithClientAddr(ctx, "10.0.1.1")
		for i := 0; i < auth.MaxAddressFailures; i++ {
			if _, err := s.Attempt(cctx, fmt.Sprintf("customer:1:c%d@example.com", i), ""); err != nil {
				t.Fatalf("customer try %d: %v", i, err)
			}
		}
		if _, err := s.Attempt(cctx, "customer:1:another@example.com", ""); !errors.As(err, &te) {
			t.Fatalf("21st customer account from one address: %v", err)
		}
		if _, err := s.Attempt(throttle.WithClientAddr(ctx, "10.0.1.2"), "customer:1:another@example.com", ""); err != nil {
			t.Fatalf("customer from another address: %v", err)
		}
		// Changing the password revokes sessions.
		_, after, err := s.Update(ctx, who, 99, u.ID, auth.Changes{Email: u.Email, IsActive: true, Password: "new-password-2"})
		if err != nil || after.SessionVersion != u.SessionVersion+1 {
			t.Fatalf("update: %+v %v", after, err)
		}
		if _, err := s.Session(ctx, u.ID, u.SessionVersion); !errors.Is(err, auth.ErrNotFound) {
			t.Fatal("old session still valid after password change")
		}
		if _, _, err := s.Update(ctx, who, u.ID, u.ID, auth.Changes{Email: u.Email, IsActive: false}); !errors.Is(err, auth.ErrSelfDeactivate) {
			t.Fatalf("self-deactivation: %v", err)
		}
	})
}
