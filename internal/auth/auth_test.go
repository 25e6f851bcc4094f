package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
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
		_, err = s.Authenticate(ctx, "admin", "correct-horse-1", "10.0.0.2")
		var te *auth.ThrottledError
		if !errors.As(err, &te) {
			t.Fatalf("6th try not throttled: %v", err)
		}
		// The lock lifts when the oldest failure leaves the 15-minute window.
		now = now.Add(auth.Window - 4*time.Minute)
		if _, err := s.Authenticate(ctx, "admin", "correct-horse-1", "10.0.0.2"); err != nil {
			t.Fatalf("after the window: %v", err)
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
