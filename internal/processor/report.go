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

// Add adds o's counts, durations and per-type counts into r, for a tool
// that sums the reports of many invocations. Identifiers, the iterator age
// and Letters are left as they are.
func (r *Report) Add(o Report) {
	r.RecordsIn += o.RecordsIn
	r.BytesIn += o.BytesIn
	r.Processed += o.Processed
	r.Replayed += o.Replayed
	r.Duplicates += o.Duplicates
	r.DeadLettered += o.DeadLettered
	r.Failed += o.Failed
	r.Conflicts += o.Conflicts
	r.Decode += o.Decode
	r.PIITime += o.PIITime
	r.Classify += o.Classify
	r.Persist += o.Persist
	r.DBCalls += o.DBCalls
	r.DBTime += o.DBTime
	r.Duration += o.Duration
	r.PII = addCounts(r.PII, o.PII)
	r.Activities = addCounts(r.Activities, o.Activities)
}

func addCounts(dst, src map[string]int) map[string]int {
	if len(src) > 0 && dst == nil {
		dst = make(map[string]int, len(src))
	}
	for k, v := range src {
		dst[k] += v
	}
	return dst
}
