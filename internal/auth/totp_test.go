package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/config"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
)

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTwoFactorEnrolmentCodesAndRecovery(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		who := audit.Actor{Username: "t"}
		s := auth.NewService(d, audit.NewLog(d))
		s.UseSealer(config.NewSealer([]byte("test-master-key-0123456789abcdef-0123456789")))
		now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
		s.SetClock(func() time.Time { return now })
		u, err := s.Create(ctx, who, auth.NewUser{Username: "admin", Email: "admin@example.com", Password: "correct-horse-1"})
		if err != nil {
			t.Fatal(err)
		}
		e, err := s.PendingEnrolment(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := s.PendingEnrolment(ctx, u.ID); again.Secret != e.Secret {
			t.Fatal("reloading the enrolment page made a new secret")
		}
		if !strings.HasPrefix(e.URI, "otpauth://totp/Audience%20Activation:admin?") || len(e.QRPNG) < 100 || string(e.QRPNG[1:4]) != "PNG" {
			t.Fatalf("enrolment URI %q, QR %d bytes", e.URI, len(e.QRPNG))
		}
		// The secret is sealed at rest.
		stored, _ := s.Get(ctx, u.ID)
		if stored.TOTPSecret == "" || strings.Contains(stored.TOTPSecret, e.Secret) || !strings.HasPrefix(stored.TOTPSecret, "v1:") {
			t.Fatalf("secret stored as %q", stored.TOTPSecret)
		}
		if _, err := s.ConfirmEnrolment(ctx, who, u.ID, "000000"); !errors.Is(err, auth.ErrWrongCode) && codeAt(t, e.Secret, now) != "000000" {
			t.Fatalf("wrong enrolment code: %v", err)
		}
		codes, err := s.ConfirmEnrolment(ctx, who, u.ID, codeAt(t, e.Secret, now))
		if err != nil || len(codes) != auth.RecoveryCodeCount {
			t.Fatalf("confirm: %v %v", codes, err)
		}
		// The code just used, and any code of that step or earlier, is refused (replay).
		if _, err := s.VerifySecondFactor(ctx, who, u.ID, codeAt(t, e.Secret, now)); !errors.Is(err, auth.ErrWrongCode) {
			t.Fatalf("replayed code: %v", err)
		}
		// One step of clock drift either way is accepted; two are not.
		now = now.Add(5 * time.Minute)
		if _, err := s.VerifySecondFactor(ctx, who, u.ID, codeAt(t, e.Secret, now.Add(-30*time.Second))); err != nil {
			t.Fatalf("code one step behind: %v", err)
		}
		if _, err := s.VerifySecondFactor(ctx, who, u.ID, codeAt(t, e.Secret, now.Add(30*time.Second))); err != nil {
			t.Fatalf("code one step ahead: %v", err)
		}
		now = now.Add(5 * time.Minute)
		if c := codeAt(t, e.Secret, now.Add(90*time.Second)); c != codeAt(t, e.Secret, now) {
			if _, err := s.VerifySecondFactor(ctx, who, u.ID, c); !errors.Is(err, auth.ErrWrongCode) {
				t.Fatalf("code three steps ahead: %v", err)
			}
		}
		// A recovery code works once, in any case and spacing.
		if used, err := s.VerifySecondFactor(ctx, who, u.ID, " "+strings.ToUpper(codes[0])+" "); err != nil || !used {
			t.Fatalf("recovery code: %v %v", used, err)
		}
		if _, err := s.VerifySecondFactor(ctx, who, u.ID, codes[0]); !errors.Is(err, auth.ErrWrongCode) {
			t.Fatalf("recovery code reused: %v", err)
		}
		if n, _ := s.RecoveryCodesLeft(ctx, u.ID); n != auth.RecoveryCodeCount-1 {
			t.Fatalf("%d recovery codes left", n)
		}
		// Brute force: after MaxCodeFailures wrong codes the user is paused, right code or not.
		now = now.Add(time.Hour) // the reused recovery code's failure leaves the window
		for i := 0; i < auth.MaxCodeFailures; i++ {
			if _, err := s.VerifySecondFactor(ctx, who, u.ID, "12345x"); !errors.Is(err, auth.ErrWrongCode) {
				t.Fatalf("wrong code %d: %v", i, err)
			}
		}
		now = now.Add(time.Minute)
		var te *auth.ThrottledError
		if _, err := s.VerifySecondFactor(ctx, who, u.ID, codeAt(t, e.Secret, now)); !errors.As(err, &te) {
			t.Fatalf("after %d wrong codes: %v", auth.MaxCodeFailures, err)
		}
		// The operator's unlock lifts it at once.
		if n, err := s.ClearFailures(ctx, "admin"); err != nil || n == 0 {
			t.Fatalf("unlock: %d %v", n, err)
		}
		if _, err := s.VerifySecondFactor(ctx, who, u.ID, codeAt(t, e.Secret, now)); err != nil {
			t.Fatalf("after unlock: %v", err)
		}
		now = now.Add(auth.Window + time.Minute)
		// Reset: the user enrols again, with a new secret, and their sessions end.
		before, _ := s.Get(ctx, u.ID)
		if err := s.ResetTwoFactor(ctx, who, u.ID); err != nil {
			t.Fatal(err)
		}
		after, _ := s.Get(ctx, u.ID)
		if after.TwoFactorEnabled() || after.SessionVersion != before.SessionVersion+1 {
			t.Fatalf("after reset: %+v", after)
		}
		if e2, _ := s.PendingEnrolment(ctx, u.ID); e2.Secret == e.Secret {
			t.Fatal("reset kept the secret")
		}
		if n, _ := s.RecoveryCodesLeft(ctx, u.ID); n != 0 {
			t.Fatal("reset kept the recovery codes")
		}
	})
}
