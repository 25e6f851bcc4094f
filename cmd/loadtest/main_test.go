package main

import (
	"bufio"
	"context"
	"strings"
	"testing"
	"time"
)

// The load generator works end to end on a small store, over GET and POST: every answer
// carries the client's cart, and the paced measurement sends about the rate asked for.
func TestLoadGeneratorMeasures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a store and loads it for two seconds")
	}
	r, err := Run(context.Background(), Options{Rules: 300, Blocks: 30, Audiences: 50, Clients: 4, Duration: time.Second, Rate: 100, Transports: []string{"GET", "POST"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, transport := range []string{"GET", "POST"} {
		for name, rep := range map[string]Report{"throughput": r[transport].Throughput, "paced": r[transport].Paced} {
			if rep.Requests == 0 || rep.Errors != 0 || rep.P50 <= 0 || rep.P99 < rep.P50 || rep.CPUPerRequest <= 0 || rep.AllocPerRequest == 0 {
				t.Errorf("%s %s: %+v", transport, name, rep)
			}
		}
		if got := r[transport].Paced.RPS(); got < 70 || got > 130 {
			t.Errorf("%s paced at 100 req/s, sent %.0f", transport, got)
		}
	}
	// Every request a new shopper: still every answer right.
	r, err = Run(context.Background(), Options{Rules: 300, Blocks: 30, Audiences: 50, Clients: 4, Duration: time.Second, Fresh: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep := r["GET"].Throughput; rep.Requests == 0 || rep.Errors != 0 {
		t.Errorf("fresh shoppers: %+v", rep)
	}
}

// The generator's own reader of answers reads what a server sends: a body with a length,
// a chunked body with trailers, two answers in a row on one connection, and a server
// closing the connection.
func TestReadAnswer(t *testing.T) {
	stream := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 11\r\n\r\n{\"data\":{}}" +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"da\r\n7\r\nta\":{}}\r\n0\r\nX-Trailer: 1\r\n\r\n" +
		"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbusy"
	c := &conn{r: bufio.NewReader(strings.NewReader(stream))}
	for i, want := range []struct {
		status  int
		closing bool
		body    string
	}{{200, false, `{"data":{}}`}, {200, false, `{"data":{}}`}, {503, true, "busy"}} {
		status, closing, err := c.readAnswer()
		if err != nil || status != want.status || closing != want.closing || string(c.out) != want.body {
			t.Fatalf("answer %d: %d %v %q %v", i, status, closing, c.out, err)
		}
	}
	for _, bad := range []string{"", "SMTP ready\r\n", "HTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"} {
		c := &conn{r: bufio.NewReader(strings.NewReader(bad))}
		if _, _, err := c.readAnswer(); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
