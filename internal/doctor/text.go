package doctor

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report for a terminal: totals, findings (blockers
// first), previous_hash forms, legacy keys, indexes, the project's state.
func (r Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	scope := fmt.Sprintf("bounded: at most %d documents read per collection (--full reads all)", r.Sample)
	if r.Full {
		scope = "full: every document read"
	}
	fmt.Fprintf(tw, "kleo doctor — database %s (read only; %s)\n\n", r.Database, scope)
	fmt.Fprintf(tw, "collection\tdocuments (estimated)\tread\n")
	for _, c := range []struct {
		name    string
		n, read int64
	}{{"users", r.Users, r.UsersRead}, {"history", r.History, r.HistoryRead}, {"stream_ledger", r.Ledger, r.LedgerRead},
		{"stream_dead_letters", r.DeadLetters, r.LettersRead}, {"stream_archives", r.Archives, r.ArchivesRead}} {
		fmt.Fprintf(tw, "%s\t%d\t%d\n", c.name, c.n, c.read)
	}
	fmt.Fprintln(tw)
	if len(r.Findings) == 0 {
		fmt.Fprintln(tw, "findings\tnone")
	} else {
		fmt.Fprintln(tw, "severity\tcount\tfinding\texamples (_id)")
		for _, f := range r.Findings {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", f.Severity, f.Count, f.What, strings.Join(f.IDs, " "))
		}
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "previous_hash form\tusers\n")
	for _, k := range slices.Sorted(maps.Keys(r.PreviousHash)) {
		fmt.Fprintf(tw, "%s\t%d\n", k, r.PreviousHash[k])
	}
	if len(r.LegacyKeys) > 0 {
		fmt.Fprintln(tw)
		fmt.Fprintf(tw, "activity_json key not among the 41 activities (left alone)\tusers\n")
		for _, k := range slices.Sorted(maps.Keys(r.LegacyKeys)) {
			fmt.Fprintf(tw, "%s\t%d\n", k, r.LegacyKeys[k])
		}
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "index\tstate\tserves\n")
	for _, ix := range r.Indexes {
		state := "ok (" + ix.Name + ")"
		if ix.Name == "" {
			state = "MISSING"
		}
		fmt.Fprintf(tw, "%s {%s}\t%s\t%s\n", ix.Collection, strings.Join(ix.Keys, ", "), state, ix.Serves)
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "ledger entries read\t%d (pending %d, counted %d)\n", r.LedgerRead, r.LedgerPending, r.LedgerCounted)
	fmt.Fprintf(tw, "archives read\t%d (signed, not accepted: %d)\n", r.ArchivesRead, r.ArchivesSigned)
	fmt.Fprintf(tw, "open dead letters read\t%d\n", r.LettersRead)
	for _, k := range slices.Sorted(maps.Keys(r.LettersOpen)) {
		fmt.Fprintf(tw, "  %s\t%d\n", k, r.LettersOpen[k])
	}
	fmt.Fprintln(tw)
	if b := r.Blockers(); len(b) > 0 {
		fmt.Fprintf(tw, "%d blocker(s): fix them before the cut-over\n", len(b))
	} else {
		fmt.Fprintln(tw, "no blockers")
	}
	return tw.Flush()
}
