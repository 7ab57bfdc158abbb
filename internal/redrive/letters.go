package redrive

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/record"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// Reasons a letter cannot be re-driven at all. Both are value-free.
const (
	ReasonGone      = "history document no longer in history"
	ReasonNoSeqence = "dead letter has no usable sequence number"
)

// Letters re-drives the open dead letters q selects (q.State is forced to
// open): decoded records from Kleo's history documents, the others from
// their kept payload. A letter whose record is counted now, or found
// counted, is marked done; one dead-lettered again stays open with the new
// reason and one more attempt (a kept payload keeps its first reason: the
// copy is scrubbed, addresses included, so a second failure of it says
// little about the record). A dry run says, per letter, whether its
// user exists now.
func (r *Runner) Letters(ctx context.Context, q store.LetterQuery) (Summary, error) {
	s := Summary{Apply: r.Apply, Letters: true}
	q.State = store.LetterOpen
	letters, err := r.Store.DeadLetters(ctx, q)
	if err != nil {
		return s, fmt.Errorf("redrive: listing dead letters: %w", err)
	}
	var ids []string
	for _, l := range letters {
		if l.ItemID != "" {
			ids = append(ids, l.ItemID)
		}
	}
	docs := map[string][]byte{}
	if len(ids) > 0 {
		if docs, err = r.Store.HistoryJSON(ctx, ids); err != nil {
			return s, fmt.Errorf("redrive: reading history: %w", err)
		}
	}
	byShard := map[string][]events.KinesisEventRecord{}
	sent := map[string]store.DeadLetter{}
	var unusable []store.LetterUpdate
	for _, l := range letters {
		s.Batches++
		// A letter of a record that did not decode keeps its payload (empty
		// when the record was); one of a decoded record reads Kleo's copy.
		data, found := l.Payload, true
		if l.ItemID != "" {
			data, found = docs[l.ItemID]
		}
		switch {
		case !digits(l.Seq):
			s.Unreadable++
			unusable = append(unusable, store.LetterUpdate{ID: l.ID, State: store.LetterOpen, Reason: ReasonNoSeqence})
			r.printf("letter %s: %s\n", l.ID, ReasonNoSeqence)
			continue
		case !found:
			s.Unreadable++
			unusable = append(unusable, store.LetterUpdate{ID: l.ID, State: store.LetterOpen, Reason: ReasonGone})
			r.printf("letter %s: %s\n", l.ID, ReasonGone)
			continue
		}
		byShard[l.Shard] = append(byShard[l.Shard], events.KinesisEventRecord{
			EventID: l.Shard + ":" + l.Seq, EventName: "aws:kinesis:record", EventSource: "aws:kinesis", EventVersion: "1.0",
			Kinesis: events.KinesisRecord{Data: data, PartitionKey: l.Address, SequenceNumber: l.Seq, KinesisSchemaVersion: "1.0"},
		})
		sent[l.ID] = l
		s.Records++
	}
	if !r.Apply {
		return s, r.planLetters(ctx, &s, letters, sent)
	}
	if len(unusable) > 0 {
		if err := r.Store.UpdateDeadLetters(ctx, unusable); err != nil {
			return s, fmt.Errorf("redrive: updating dead letters: %w", err)
		}
	}
	defer r.startBar(s.Records, "re-drive letters")()
	var updates []store.LetterUpdate
	var runErr error
	for _, shard := range sortedKeys(byShard) {
		o, err := r.drive(ctx, byShard[shard])
		s.Invocations += o.invocations
		s.Counted += o.counted
		if err != nil {
			runErr = fmt.Errorf("redrive: letters of %s: %w", shard, err)
			break // the letters of this and later shards stay as they were
		}
		for _, rec := range byShard[shard] {
			id := shard + "/" + rec.Kinesis.SequenceNumber
			l := sent[id]
			if reason, again := o.letters[id]; again {
				s.DeadLettered++
				if l.ItemID == "" {
					// The kept copy is scrubbed (addresses too), so what it
					// fails with now says little about the record: the
					// first reason stays.
					reason = l.Reason
					updates = append(updates, store.LetterUpdate{ID: id, State: store.LetterOpen})
				} else {
					updates = append(updates, store.LetterUpdate{ID: id, State: store.LetterOpen, Reason: reason})
				}
				r.printf("letter %s: dead-lettered again (attempt %d): %s\n", id, l.Attempts+1, reason)
				continue
			}
			s.Done++
			updates = append(updates, store.LetterUpdate{ID: id, State: store.LetterDone})
			r.printf("letter %s: done\n", id)
		}
	}
	s.AlreadyCounted = max(0, s.Done-s.Counted)
	if len(updates) > 0 {
		if err := r.Store.UpdateDeadLetters(ctx, updates); err != nil {
			return s, fmt.Errorf("redrive: updating dead letters: %w", err)
		}
	}
	return s, runErr
}

// planLetters fills a dry run's summary: a letter of a user who still does
// not exist would be dead-lettered again.
func (r *Runner) planLetters(ctx context.Context, s *Summary, letters []store.DeadLetter, sent map[string]store.DeadLetter) error {
	var addrs []string
	for _, l := range letters {
		if _, ok := sent[l.ID]; ok && l.Address != "" && !slices.Contains(addrs, l.Address) {
			addrs = append(addrs, l.Address)
		}
	}
	users := map[string]store.UserState{}
	if len(addrs) > 0 {
		var err error
		if users, err = r.Store.Users(ctx, addrs); err != nil {
			return fmt.Errorf("redrive: reading users: %w", err)
		}
	}
	for _, id := range sortedKeys(sent) {
		l := sent[id]
		u, ok := users[l.Address]
		switch {
		case l.ItemID == "":
			if _, err := record.Decode(l.Payload); err != nil {
				s.DeadLettered++
				r.printf("letter %s: kept payload (%d bytes) still does not decode; would stay open\n", id, len(l.Payload))
				continue
			}
			s.Counted++
			r.printf("letter %s: kept payload (%d bytes) decodes now; would re-drive it\n", id, len(l.Payload))
		case !ok:
			s.DeadLettered++
			r.printf("letter %s: user still unknown; would stay open\n", id)
		case u.Problem != "":
			s.DeadLettered++
			r.printf("letter %s: user document still cannot take the update: %s\n", id, u.Problem)
		default:
			s.Counted++
			r.printf("letter %s: user exists now; would re-drive from history\n", id)
		}
	}
	return nil
}
