package esm

import (
	"encoding/base64"
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// The JSON of an event is {"Records":[r1,r2,...]}.
const eventOverhead = len(`{"Records":[]}`)

// maxEpochSecondsLen bounds the length of approximateArrivalTimestamp, a JSON
// float such as 1545084650.987.
const maxEpochSecondsLen = 24

// recordSizer bounds the JSON size of a record in an event without encoding
// it. The bound exceeds the exact size by at most maxEpochSecondsLen bytes
// plus escaping slack in the partition key, so batches stay under
// MaxPayloadBytes.
type recordSizer struct {
	fixed int // everything but the per-record fields
}

func newRecordSizer(tmpl events.KinesisEventRecord) recordSizer {
	tmpl.EventID = ":"
	tmpl.Kinesis = events.KinesisRecord{
		ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: time.Unix(0, 0)}, // "0"
		Data:                        []byte{},                                       // ""
		KinesisSchemaVersion:        "1.0",
	}
	b, err := json.Marshal(tmpl)
	if err != nil {
		panic(err) // only strings and a fixed time: cannot fail
	}
	return recordSizer{fixed: len(b) - 1}
}

func (z recordSizer) size(shardID string, r *Record) int {
	return z.fixed + len(shardID) + 2*len(r.SequenceNumber) + jsonStringLen(r.PartitionKey) +
		base64.StdEncoding.EncodedLen(len(r.Data)) + maxEpochSecondsLen
}

// jsonStringLen bounds the length of s as encoding/json writes it, without
// the quotes (which the template already counted).
func jsonStringLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				n += 2
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 || r == '\u2028' || r == '\u2029' {
			n += 6
		} else {
			n += w
		}
		i += w
	}
	return n
}
