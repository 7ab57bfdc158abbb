package mongostore

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// TestApplyPoisonAmongGood puts documents that cannot take the update first
// in one FerretDB command, which stops at the first write error: every other
// statement of the command still gets its own answer (applied, conflict),
// and nothing is applied twice.
func TestApplyPoisonAmongGood(t *testing.T) {
	s := open(t, unknownKind)
	addrs := seedUsers(t, s, 6)
	const leak = "secret-value-7"
	poisonPoints := with(kleoUser(oid(1), eip55.Checksum(hexAddr(1))), "kleo_points", leak)
	poisonActivity := with(kleoUser(oid(2), eip55.Checksum(hexAddr(2))), "activity_json", leak)
	insertRaw(t, s.users, poisonPoints, poisonActivity)
	us, err := s.Users(t.Context(), append([]string{hexAddr(1), hexAddr(2)}, addrs...))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{hexAddr(1), hexAddr(2)} {
		if p := us[a].Problem; p == "" || strings.Contains(p, leak) {
			t.Errorf("Problem of poison user %s = %q, want a value-free reason", a, p)
		}
	}
	ap := func(a string, version int64) store.Apply {
		return store.Apply{UserID: us[a].ID, Version: version, Applied: []string{"65a000000000000000000001"},
			Bytes: 10, Points: 1, Activities: map[string]int64{"Coding": 1}}
	}
	updates := []store.Apply{
		ap(hexAddr(1), 0), // kleo_points is a string
		ap(addrs[0], 0),
		ap(hexAddr(2), 0), // activity_json is a string
		ap(addrs[1], 7),   // stale version
		ap(addrs[2], 0),
		ap(addrs[3], 0),
	}
	before := rawDocs(t, s.users)
	errs, err := s.Apply(t.Context(), updates)
	if err != nil {
		t.Fatal(err)
	}
	want := []error{store.ErrRejected, nil, store.ErrRejected, store.ErrConflict, nil, nil}
	for i, w := range want {
		if w == nil && errs[i] != nil || w != nil && !errors.Is(errs[i], w) {
			t.Errorf("update %d: %v, want %v", i, errs[i], w)
		}
		if errs[i] != nil && (strings.Contains(errs[i].Error(), leak) || errors.Is(errs[i], store.ErrUnavailable)) {
			t.Errorf("update %d: %v quotes the value or says unavailable", i, errs[i])
		}
	}
	after := rawDocs(t, s.users)
	for _, id := range []string{oid(1).Hex(), oid(2).Hex(), us[addrs[1]].ID, us[addrs[4]].ID} {
		if !bytes.Equal(before[id], after[id]) {
			t.Errorf("user %s changed although its update was not applied", id)
		}
	}
	for _, a := range []string{addrs[0], addrs[2], addrs[3]} {
		if n, _ := after[us[a].ID].Lookup("total_data_quantity").AsInt64OK(); n != 10 {
			t.Errorf("user %s total_data_quantity = %d, want 10 (applied once)", a, n)
		}
	}
}

// TestUnavailable: a closed client, an unreachable server, an expired
// deadline and connections cut mid-command are store.ErrUnavailable, never
// ErrRejected; after a cut, the retried batch converges to one application.
func TestUnavailable(t *testing.T) {
	t.Run("closed client", func(t *testing.T) {
		s, err := Open(t.Context(), server(), dbName(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		_, err = s.Users(t.Context(), []string{hexAddr(1)})
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("Users after Close = %v, want ErrUnavailable", err)
		}
		_, err = s.Apply(t.Context(), []store.Apply{{UserID: oid(1).Hex(), Bytes: 1}})
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("Apply after Close = %v, want ErrUnavailable", err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			uri  string
			opts []Option
		}{
			{"options", "mongodb://127.0.0.1:1/?directConnection=true",
				[]Option{WithConnectTimeout(200 * time.Millisecond), WithServerSelectionTimeout(200 * time.Millisecond)}},
			{"uri", "mongodb://127.0.0.1:1/?directConnection=true&serverSelectionTimeoutMS=200", nil},
		} {
			if _, err := Open(t.Context(), tt.uri, "Kleo", tt.opts...); !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("%s: Open(unreachable) = %v, want ErrUnavailable", tt.name, err)
			}
		}
	})
	t.Run("deadline", func(t *testing.T) {
		s := open(t, unknownKind)
		ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
		defer cancel()
		_, err := s.Users(ctx, []string{hexAddr(1)})
		if !errors.Is(err, store.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Users after the deadline = %v, want ErrUnavailable and DeadlineExceeded", err)
		}
	})
	t.Run("connection cut mid-command", func(t *testing.T) {
		proxy := newCutProxy(t, strings.TrimSuffix(strings.TrimPrefix(server(), "mongodb://"), "/"))
		s, err := Open(t.Context(), "mongodb://"+proxy.Addr()+"/?directConnection=true&retryWrites=false", dbName(t),
			WithServerSelectionTimeout(2*time.Second), WithConnectTimeout(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(context.Background())
		defer s.users.Database().Drop(context.Background())
		addrs := seedUsers(t, s, 3)
		us, err := s.Users(t.Context(), addrs)
		if err != nil {
			t.Fatal(err)
		}
		var updates []store.Apply
		for _, a := range addrs {
			updates = append(updates, store.Apply{UserID: us[a].ID, Applied: []string{"65a000000000000000000001"}, Bytes: 10})
		}
		proxy.cutNext() // the next request cuts every connection
		_, err = s.Apply(t.Context(), updates)
		if proxy.cuts.Load() == 0 {
			t.Fatal("the proxy never cut a connection")
		}
		if !errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrRejected) {
			t.Fatalf("Apply across a cut = %v, want ErrUnavailable", err)
		}
		// The processor retries: the guard decides what the cut applied.
		errs, err := s.Apply(t.Context(), updates)
		if err != nil {
			t.Fatal(err)
		}
		for i, err := range errs {
			if err != nil && !errors.Is(err, store.ErrConflict) {
				t.Errorf("retried update %d: %v", i, err)
			}
		}
		docs := rawDocs(t, s.users)
		for _, a := range addrs {
			if n, _ := docs[us[a].ID].Lookup("total_data_quantity").AsInt64OK(); n != 10 {
				t.Errorf("user %s total_data_quantity = %d, want 10", a, n)
			}
		}
	})
}

// TestOpen checks what Open creates and reports.
func TestOpen(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	s := open(t, unknownKind, WithLogger(logger))
	// A second Open on the same database finds every index and creates none.
	again, err := Open(t.Context(), server(), dbName(t))
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	again.Close(t.Context())

	db := s.users.Database()
	for _, c := range streamIndexes {
		specs, err := listIndexes(t.Context(), db.Collection(c.coll))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range c.indexes {
			if _, ok := findIndex(specs, want.keys, false); !ok && !want.ttl { // FerretDB v1 has no TTL indexes
				t.Errorf("%s: no index on %v", c.coll, want.keys)
			}
		}
	}
	// Kleo's collections: nothing created, the missing indexes reported and
	// logged.
	for _, coll := range []string{usersColl, historyColl} {
		specs, err := listIndexes(t.Context(), db.Collection(coll))
		if err != nil {
			t.Fatal(err)
		}
		for _, sp := range specs {
			if sp.Name != "_id_" {
				t.Errorf("Open created index %s on Kleo's %s", sp.Name, coll)
			}
		}
	}
	for _, want := range []string{"collection=users", "keys=address", "collection=history", "keys=address,visitTime"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
	report, err := s.CheckIndexes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(report) != 2 || !report[0].Missing() || !report[1].Missing() {
		t.Errorf("CheckIndexes before creating = %v, want both missing", report)
	}

	report, err = s.CreateIndexes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range report {
		if c.Missing() {
			t.Errorf("after CreateIndexes: %v", c)
		}
	}
	for _, coll := range []string{usersColl, historyColl} {
		specs, err := listIndexes(t.Context(), db.Collection(coll))
		if err != nil {
			t.Fatal(err)
		}
		for _, sp := range specs {
			if sp.Unique != nil && *sp.Unique {
				t.Errorf("CreateIndexes made %s on %s unique", sp.Name, coll)
			}
		}
	}
	report, err = s.CheckIndexes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range report {
		if c.Missing() {
			t.Errorf("CheckIndexes after CreateIndexes: %v", c)
		}
	}
	// An index with more keys after address serves too.
	if _, ok := findIndex([]mongo.IndexSpecification{{Name: "a", KeysDocument: mustRaw(t, bson.D{{Key: "address", Value: 1}, {Key: "slug", Value: 1}})}},
		[]string{"address"}, true); !ok {
		t.Error("an index led by address does not count for users.address")
	}
}

func TestOpenHidesTheURI(t *testing.T) {
	for _, uri := range []string{"mongodb://kleo:s3cret@host:notaport/", "mongodb://kleo:s3cret@127.0.0.1:1/?serverSelectionTimeoutMS=100"} {
		_, err := Open(t.Context(), uri, "Kleo")
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open = %v; want an error that does not quote the URI", err)
		}
	}
	if _, err := Open(t.Context(), server(), ""); err == nil {
		t.Error("Open with an empty database name succeeded")
	}
}

func mustRaw(t *testing.T, d bson.D) bson.Raw {
	t.Helper()
	raw, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// cutProxy forwards TCP to a server and, once armed, cuts every connection
// when the next request arrives, after forwarding half of it. (A trimmed
// copy of internal/faultinject's proxy: importing that package would build
// the processor into this package's tests.)
type cutProxy struct {
	ln     net.Listener
	target string
	armed  atomic.Bool
	cuts   atomic.Int64
	mu     sync.Mutex
	conns  []net.Conn
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); p.pipe(up, c, true) }()
			go func() { defer wg.Done(); p.pipe(c, up, false) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.cutAll()
		wg.Wait()
	})
	return p
}

func (p *cutProxy) Addr() string { return p.ln.Addr().String() }

func (p *cutProxy) cutNext() { p.armed.Store(true) }

func (p *cutProxy) cutAll() {
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
}

func (p *cutProxy) pipe(dst, src net.Conn, request bool) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if request && p.armed.CompareAndSwap(true, false) {
				dst.Write(buf[:n/2])
				p.cuts.Add(1)
				p.cutAll()
				return
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
