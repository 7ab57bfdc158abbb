package processor

import "time"

// Report describes one invocation, for metrics and logs. It carries counts
// and durations only, never record content.
type Report struct {
	RequestID    string
	Shard        string
	FirstSeq     string
	LastSeq      string
	RecordsIn    int
	BytesIn      int64
	Processed    int // records counted into user stats by this invocation
	Replayed     int // records whose item was counted or applied before
	Duplicates   int // records of an item first seen in another record (the producer sent it again)
	DeadLettered int
	// Letters are this invocation's dead letters (ids and value-free
	// reasons), for a re-drive to tell which records failed again.
	Letters         []Letter
	Failed          int // records reported for retry
	Conflicts       int // user updates whose version guard failed (their records are retried)
	PII             map[string]int
	Activities      map[string]int
	Decode, PIITime time.Duration
	Classify        time.Duration
	Persist         time.Duration
	DBCalls         int
	DBTime          time.Duration
	Duration        time.Duration
	IteratorAge     time.Duration // age of the oldest record at the start of the invocation
}

// Letter identifies one dead letter of an invocation.
type Letter struct {
	ID, Seq, Reason string
}
