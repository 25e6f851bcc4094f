package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus series, on a registry of its own so that several
// servers (as in tests) never collide.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "audience_activation_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "audience_activation_http_request_duration_seconds", Help: "Time to answer HTTP requests, by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	m.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if s.deps.Shoppers != nil {
		// Both storefronts read shoppers through the one reader, which counts the refusals.
		m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "audience_activation_membership_refused_total", Help: "Storefront requests whose membership value was refused (unsigned, forged, expired or unreadable) and counted as none.",
		}, func() float64 { return float64(s.deps.Shoppers.Refused()) }))
	}
	snapshotGauge := func(name, help string, value func(context.Context) (float64, error)) {
		m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			v, err := value(ctx)
			if err != nil {
				return -1
			}
			return v
		}))
	}
	if s.deps.LiveRules != nil {
		snapshotGauge("audience_activation_price_rules_live", "Cart price rules in the storefront's current snapshot (-1 when it cannot be built).",
			func(ctx context.Context) (float64, error) {
				snap, err := s.deps.LiveRules.Current(ctx)
				if err != nil {
					return 0, err
				}
				return float64(snap.Len()), nil
			})
	}
	if s.deps.Syncer != nil {
		snapshotGauge("audience_activation_audience_sync_last_success_timestamp_seconds",
			"When the last audience sync succeeded, as a Unix time (0 when none has; -1 when unreadable).",
			func(ctx context.Context) (float64, error) {
				run, err := s.deps.Syncer.LastSuccess(ctx)
				if err != nil || run == nil || run.FinishedAt == nil {
					return 0, err
				}
				return float64(run.FinishedAt.Unix()), nil
			})
	}
	return m
}

// observe counts each request by its route pattern (never the raw path, which would let
// clients create series at will).
func (m *metrics) observe(c echo.Context, took time.Duration) {
	route := c.Path()
	if route == "" {
		route = "unmatched"
	}
	method := c.Request().Method
	m.requests.WithLabelValues(route, method, strconv.Itoa(c.Response().Status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(took.Seconds())
}

// metricsHandler serves the Prometheus text format.
// metricsHandler serves /metrics on the main address: not at all when the operator gave
// metrics an address of their own (MetricsHandler serves it there), and only with the
// bearer token when one is set.
func (s *Server) metricsHandler() echo.HandlerFunc {
	h := s.MetricsHandler()
	return func(c echo.Context) error {
		if s.deps.Settings.MetricsAddr != "" {
			return echo.ErrNotFound
		}
		h.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// MetricsHandler is the Prometheus endpoint, behind the bearer token when one is set, for
// the main server or a listener of its own (--metrics-addr).
func (s *Server) MetricsHandler() http.Handler {
	prom := promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
	token := s.deps.Settings.MetricsToken
	if token == "" {
		return prom
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the bearer token (METRICS_TOKEN)", http.StatusUnauthorized)
			return
		}
		prom.ServeHTTP(w, r)
	})
}
