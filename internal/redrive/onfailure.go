package redrive

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/esm"
)

// ErrNotOnFailure is wrapped by errors for input that is not an on-failure
// record of a Kinesis event source mapping.
var ErrNotOnFailure = errors.New("redrive: not a Kinesis on-failure record")

// Batch is one discarded batch: where its records are in the stream and,
// when the on-failure record came from an S3 destination, the records
// themselves.
type Batch struct {
	Info esm.KinesisBatchInfo
	// Records are the invocation's records as the S3 destination keeps
	// them (the whole invocation record); nil for SQS and SNS records,
	// which carry only the coordinates.
	Records []events.KinesisEventRecord
	// Origin names where the record came from (an SQS message id, a file
	// and line, an S3 key), for reports.
	Origin string
}

// ParseOnFailure parses one on-failure record: the body of an SQS message,
// one line of a saved file, or an S3 destination's object (which also
// carries the invocation's payload).
func ParseOnFailure(data []byte) (Batch, error) {
	var rec esm.OnFailureRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return Batch{}, fmt.Errorf("%w: %v", ErrNotOnFailure, err)
	}
	b := Batch{Info: rec.KinesisBatchInfo}
	i := b.Info
	if i.ShardID == "" || !digits(i.StartSequenceNumber) || !digits(i.EndSequenceNumber) {
		return Batch{}, fmt.Errorf("%w: KinesisBatchInfo needs shardId, startSequenceNumber and endSequenceNumber", ErrNotOnFailure)
	}
	if esm.CompareSequenceNumbers(i.StartSequenceNumber, i.EndSequenceNumber) > 0 {
		return Batch{}, fmt.Errorf("%w: startSequenceNumber is after endSequenceNumber", ErrNotOnFailure)
	}
	// An S3 destination adds the invocation's event as "payload", a JSON
	// string (or, leniently, the object itself).
	var withPayload struct {
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(data, &withPayload); err == nil && len(withPayload.Payload) > 0 && string(withPayload.Payload) != "null" {
		raw := []byte(withPayload.Payload)
		var s string
		if json.Unmarshal(raw, &s) == nil {
			raw = []byte(s)
		}
		var ev events.KinesisEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return Batch{}, fmt.Errorf("%w: payload is not a Kinesis event: %v", ErrNotOnFailure, err)
		}
		b.Records = ev.Records
	}
	return b, nil
}

// ReadFile parses saved on-failure records: JSON lines, a JSON array of
// records, or one record (an S3 object, pretty-printed or not). name is
// used in Origin.
func ReadFile(r io.Reader, name string) ([]Batch, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("redrive: reading %s: %w", name, err)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, nil
	}
	if trimmed[0] == '[' {
		var raws []json.RawMessage
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrNotOnFailure, name, err)
		}
		out := make([]Batch, 0, len(raws))
		for i, raw := range raws {
			b, err := ParseOnFailure(raw)
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", name, i, err)
			}
			b.Origin = fmt.Sprintf("%s[%d]", name, i)
			out = append(out, b)
		}
		return out, nil
	}
	if json.Valid(trimmed) { // one record, possibly spread over lines
		b, err := ParseOnFailure(trimmed)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		b.Origin = name
		return []Batch{b}, nil
	}
	var out []Batch
	sc := bufio.NewScanner(bytes.NewReader(trimmed))
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for line := 1; sc.Scan(); line++ {
		l := bytes.TrimSpace(sc.Bytes())
		if len(l) == 0 {
			continue
		}
		b, err := ParseOnFailure(l)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		b.Origin = fmt.Sprintf("%s:%d", name, line)
		out = append(out, b)
	}
	return out, sc.Err()
}

func digits(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
