package audiences_test

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audiences/cdpemu"
	"audienceactivation/internal/db/dbtest"
)

// BenchmarkFullSync50k syncs 50,000 activated audiences from the emulator over HTTP into a
// fresh SQLite database (target ≤ 10 s) and reports the peak heap seen during the sync,
// which stays bounded because pages are streamed into staging, never held whole.
func BenchmarkFullSync50k(b *testing.B) {
	const n = 50000
	emu := cdpemu.New(clientID, secret, org, "prod")
	defer emu.Close()
	ids := emu.Seed(n)
	emu.Activate(emu.AddDestination(ds1), ids...)
	var peak atomic.Uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d := dbtest.New(b)
		s := audiences.NewSyncer(d, audiences.Sources{
			Credentials: func(context.Context) (audiences.Credentials, error) {
				return audiences.Credentials{ClientID: clientID, ClientSecret: secret, OrgID: org, Sandbox: "prod", IMSURL: emu.URL(), PlatformURL: emu.URL()}, nil
			},
			Datastreams: func(context.Context) (map[int64]string, error) { return map[int64]string{1: ds1}, nil },
		}, slog.New(slog.NewTextHandler(io.Discard, nil)), "bench")
		runtime.GC()
		stop := make(chan struct{})
		go func() {
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
		b.StartTimer()
		run, err := s.Run(context.Background(), audiences.TriggerManual)
		b.StopTimer()
		close(stop)
		if err != nil || run.Added != n {
			b.Fatalf("sync: %+v %v", run, err)
		}
	}
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
}
