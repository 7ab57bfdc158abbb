package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// previewBytes is how much of a kept payload `deadletters show` prints.
const previewBytes = 160

// runDeadLetters lists, groups, shows and exports dead letters. It only reads.
func runDeadLetters(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("deadletters", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: kleo deadletters list|group|show ID|export [flags]")
		fs.PrintDefaults()
	}
	var (
		state  = fs.String("state", "open", "open, done or all")
		reason = fs.String("reason", "", "only letters whose reason contains TEXT")
		since  = fs.String("since", "", "only letters dead-lettered at or after T (RFC 3339 or 2006-01-02)")
		limit  = fs.Int("limit", 0, "at most N letters (0: all)")
		by     = fs.String("by", "reason", "group: reason, shard or day")
		out    = fs.String("o", "-", "export: output file of JSON lines (- for stdout)")
		dir    = fs.String("dir", "", "embedded store directory (default $KLEO_DATA_DIR or .kleo/data; ignored with MONGODB_URI)")
	)
	if len(args) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: a subcommand is required", errUsage)
	}
	sub, rest := args[0], args[1:]
	var id string
	if sub == "show" {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			return fmt.Errorf("%w: show needs a letter id (shard/sequence)", errUsage)
		}
		id, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	q := store.LetterQuery{Reason: *reason, Limit: *limit}
	switch *state {
	case "open":
		q.State = store.LetterOpen
	case "done":
		q.State = store.LetterDone
	case "all":
	default:
		return fmt.Errorf("%w: --state %q: want open, done or all", errUsage, *state)
	}
	if *since != "" {
		t, err := parseSince(*since)
		if err != nil {
			return fmt.Errorf("%w: --since: %v", errUsage, err)
		}
		q.Since = t
	}
	if sub == "show" {
		q = store.LetterQuery{}
	}
	switch sub {
	case "list", "group", "show", "export":
	default:
		return fmt.Errorf("%w: unknown subcommand %q: want list, group, show or export", errUsage, sub)
	}
	if sub == "group" && *by != "reason" && *by != "shard" && *by != "day" {
		return fmt.Errorf("%w: --by %q: want reason, shard or day", errUsage, *by)
	}

	_, st, err := openProcessorStore(ctx, *dir, stderr)
	if err != nil {
		return err
	}
	defer st.Close(context.Background())
	ls, err := st.DeadLetters(ctx, q)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		return listLetters(stdout, ls)
	case "group":
		return groupLetters(stdout, ls, *by)
	case "show":
		for _, l := range ls {
			if l.ID == id {
				return showLetter(stdout, l)
			}
		}
		return fmt.Errorf("no dead letter %q: %w", id, store.ErrNotFound)
	default:
		w := stdout
		if *out != "-" {
			f, err := os.Create(*out)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		enc := json.NewEncoder(w)
		for _, l := range ls {
			if err := enc.Encode(l); err != nil {
				return err
			}
		}
		if *out != "-" {
			fmt.Fprintf(stderr, "%d dead letters written to %s\n", len(ls), *out)
		}
		return nil
	}
}

func listLetters(w io.Writer, ls []store.DeadLetter) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tstate\tattempts\tat\tbytes\tkept\treason")
	for _, l := range ls {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%s\t%s\n", l.ID, l.State, l.Attempts, l.At.UTC().Format(time.RFC3339),
			l.PayloadSize, kept(l), l.Reason)
	}
	fmt.Fprintf(tw, "%d letters\n", len(ls))
	return tw.Flush()
}

// kept says what a re-drive would read the record from.
func kept(l store.DeadLetter) string {
	switch {
	case l.ItemID != "":
		return "history " + l.ItemID
	case len(l.Payload) > 0:
		return fmt.Sprintf("payload %d B", len(l.Payload))
	}
	return "nothing"
}

func groupLetters(w io.Writer, ls []store.DeadLetter, by string) error {
	type group struct{ open, done, bytes int64 }
	groups := map[string]*group{}
	for _, l := range ls {
		var k string
		switch by {
		case "shard":
			k = l.Shard
		case "day":
			k = l.At.UTC().Format(time.DateOnly)
		default:
			k = l.Reason
		}
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
		}
		if l.State == store.LetterDone {
			g.done++
		} else {
			g.open++
		}
		g.bytes += l.PayloadSize
	}
	keys := slices.Sorted(maps.Keys(groups))
	if by == "reason" { // the largest first
		slices.SortStableFunc(keys, func(a, b string) int {
			return int((groups[b].open + groups[b].done) - (groups[a].open + groups[a].done))
		})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\topen\tdone\trecord bytes\n", by)
	for _, k := range keys {
		g := groups[k]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", k, g.open, g.done, g.bytes)
	}
	return tw.Flush()
}

func showLetter(w io.Writer, l store.DeadLetter) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "id\t%s\nstate\t%s (attempts %d)\nreason\t%s\nshard\t%s\nsequence\t%s\n", l.ID, l.State, l.Attempts, l.Reason, l.Shard, l.Seq)
	if l.ItemID != "" {
		fmt.Fprintf(tw, "history _id\t%s\naddress\t%s\n", l.ItemID, l.Address)
	}
	fmt.Fprintf(tw, "dead-lettered\t%s\n", l.At.UTC().Format(time.RFC3339))
	if !l.ExpireAt.IsZero() {
		fmt.Fprintf(tw, "expires\t%s\n", l.ExpireAt.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(tw, "record size\t%d bytes\nkept\t%s\n", l.PayloadSize, kept(l))
	if len(l.Payload) > 0 {
		// Kept payloads are scrubbed when stored; scrubbed again here in case
		// the engine has learnt a pattern since.
		p := l.Payload
		if len(p) > previewBytes {
			p = p[:previewBytes]
		}
		text, _ := pii.New().Scrub(strings.ToValidUTF8(string(p), "\uFFFD"), "")
		fmt.Fprintf(tw, "payload preview\t%q", text)
		if len(l.Payload) > previewBytes {
			fmt.Fprintf(tw, " (first %d of %d bytes)", previewBytes, len(l.Payload))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
