package db

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
)

// Stmt is a query the database parses once per connection and runs many times: for the
// storefront's hot read, where parsing the query again on every request cost more than
// running it. On SQLite it is a database/sql prepared statement (SQLite prepares it again
// by itself after a schema change); PostgreSQL's driver already keeps each connection's
// statements, and forgets one that fails, so there the query simply runs. It is safe for
// concurrent use. Prepare it once, at start-up.
type Stmt struct {
	d     *DB
	query string

	mu   sync.Mutex
	stmt *sql.Stmt
}

// Prepared returns query (with ? placeholders, on either engine) as a Stmt. Nothing is sent
// to the database until the statement first runs.
func (d *DB) Prepared(query string) *Stmt {
	if d.Dialect == Postgres {
		query = numberPlaceholders(query)
	}
	return &Stmt{d: d, query: query}
}

// Query runs the statement and returns its rows, which the caller closes.
func (s *Stmt) Query(ctx context.Context, args ...any) (*sql.Rows, error) {
	if f := s.d.trace.Load(); f != nil {
		(*f)(s.query)
	}
	pool, err := s.d.DB.DB()
	if err != nil {
		return nil, err
	}
	if s.d.Dialect == Postgres {
		return pool.QueryContext(ctx, s.query, args...)
	}
	st, err := s.prepared(ctx, pool)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// prepared prepares the statement on first use; a failed preparation (the database was
// away) is tried again on the next run. Two first runs at once may both prepare: one
// statement is kept and the other closed.
func (s *Stmt) prepared(ctx context.Context, pool *sql.DB) (*sql.Stmt, error) {
	s.mu.Lock()
	st := s.stmt
	s.mu.Unlock()
	if st != nil {
		return st, nil
	}
	st, err := pool.PrepareContext(ctx, s.query)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stmt != nil {
		st.Close()
		return s.stmt, nil
	}
	s.stmt = st
	return st, nil
}

// TracePrepared has f told the query of every prepared statement run, until it is called
// again with nil: how a test counts the statements of a request, with GORM's callbacks.
func (d *DB) TracePrepared(f func(query string)) {
	if f == nil {
		d.trace.Store(nil)
		return
	}
	d.trace.Store(&f)
}

// numberPlaceholders turns ? placeholders into PostgreSQL's $1, $2, ...
func numberPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
