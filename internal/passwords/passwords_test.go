package passwords

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheckAndCheckAdmin(t *testing.T) {
	h, err := Hash("correct-horse-1")
	if err != nil {
		t.Fatal(err)
	}
	if !Check(h, "correct-horse-1") || Check(h, "correct-horse-2") || Check("garbage", "x") {
		t.Fatal("Check wrong")
	}
	ok, err := CheckAdmin(context.Background(), h, "correct-horse-1")
	if err != nil || !ok {
		t.Fatalf("CheckAdmin: %v %v", ok, err)
	}
	if ok, _ := CheckAdmin(context.Background(), h, "correct-horse-2"); ok {
		t.Fatal("CheckAdmin accepted a wrong password")
	}
}

// A flood of storefront sign-ins (Check) fills the shared slots and queues behind itself;
// an admin's check (CheckAdmin) still takes about one hash, not the flood's queue.
func TestAdminChecksAreNotStarvedByAStorefrontFlood(t *testing.T) {
	h, _ := Hash("correct-horse-1")
	start := time.Now()
	Check(h, "correct-horse-1")
	one := time.Since(start)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var flood atomic.Int64
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				Check(h, "wrong-password-1")
				flood.Add(1)
			}
		}()
	}
	time.Sleep(3 * one) // the queue is full
	start = time.Now()
	ok, err := CheckAdmin(context.Background(), h, "correct-horse-1")
	took := time.Since(start)
	start = time.Now()
	Check(h, "correct-horse-1") // a storefront customer's check, for comparison
	queued := time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil || !ok {
		t.Fatalf("CheckAdmin: %v %v", ok, err)
	}
	// The shared queue holds 30 checks two at a time (about 15 hashes of waiting); the
	// admin's own slot waits for none.
	t.Logf("one hash %v; during a flood (%d checks): admin check %v, storefront check %v", one, flood.Load(), took, queued)
	if took*3 > queued {
		t.Fatalf("admin check took %v during the flood, a storefront check %v: the admin waited in the flood's queue", took, queued)
	}
}
