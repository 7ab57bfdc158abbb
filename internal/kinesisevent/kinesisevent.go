// Package kinesisevent decodes the raw Lambda invocation payload of a
// Kinesis event source mapping into events.KinesisEvent, and encodes the
// events.KinesisEventResponse, without reflection.
//
// Decode gives exactly what aws-lambda-go's own path gives (a
// json.Decoder decoding into events.KinesisEvent): the same event, or an
// error for the same payloads. It reads the shape Lambda sends in one pass,
// with the base64 data of all records decoded into one buffer and the
// per-record strings sharing one allocation; anything it does not expect
// (a null, an escaped string, a key that only matches a field
// case-insensitively, malformed JSON) is handed to encoding/json, whose
// answer, error message included, is then the answer. The fuzzers check
// that the two agree.
//
// Handler turns a Kinesis handler into a lambda.Handler that works on the
// raw payload, for lambda.Start.
package kinesisevent

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/kleo-network/kleo-stream/internal/jsonscan"
)

// Handler returns a lambda.Handler that decodes each invocation's payload
// with Decode, calls fn and encodes its response with AppendResponse. A
// payload that is not a Kinesis event is an invocation error, as it is
// with lambda.Start(fn).
func Handler(fn func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error)) lambda.Handler {
	return handler(fn)
}

type handler func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error)

func (h handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	ev, err := Decode(payload)
	if err != nil {
		return nil, err
	}
	resp, err := h(ctx, ev)
	if err != nil {
		return nil, err
	}
	return AppendResponse(nil, resp), nil
}

// Decode decodes a Kinesis event payload as aws-lambda-go does. The event's
// Data slices share one buffer and its strings a few allocations; the
// caller owns all of them and may keep them.
func Decode(payload []byte) (events.KinesisEvent, error) {
	d := scratch.Get().(*decoder)
	defer scratch.Put(d)
	ev, ok := d.decode(payload)
	if ok {
		return ev, nil
	}
	ev = events.KinesisEvent{}
	err := json.NewDecoder(bytes.NewReader(payload)).Decode(&ev)
	return ev, err
}

// scratch holds decoders between invocations: their fix-up lists and
// string buffers are reused, never handed out.
var scratch = sync.Pool{New: func() any { return new(decoder) }}

// Fields of a record whose values are shared across a batch (interned) or
// unique to each record (put into the batch's one string).
const (
	iRegion = iota
	iEventName
	iEventSource
	iSourceARN
	iEventVersion
	iIdentityARN
	iEncryption
	iSchemaVersion
	nInterned
)

const (
	uEventID = iota
	uPartitionKey
	uSequenceNumber
)

// fix says where a unique string goes once the batch's string exists.
type fix struct {
	rec        int
	field      uint8
	start, end int
}

type decoder struct {
	recs  []events.KinesisEventRecord
	blob  []byte // the batch's decoded data
	strs  []byte // the batch's unique strings
	fixes []fix
	last  [nInterned]string
}

// errFallback is not an error of the payload: the fast path declines and
// encoding/json decides.
var errFallback = errors.New("kinesisevent: not the expected shape")

// maxSkipDepth bounds the nesting of unknown values the fast path skips;
// deeper ones go to encoding/json, which has its own limit.
const maxSkipDepth = 64

func (d *decoder) decode(data []byte) (events.KinesisEvent, bool) {
	d.recs, d.blob = nil, nil
	d.strs, d.fixes = d.strs[:0], d.fixes[:0]
	defer func() { d.recs, d.blob = nil, nil }() // owned by the caller once returned

	i := jsonscan.SkipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return events.KinesisEvent{}, false
	}
	var ev events.KinesisEvent
	var seen uint
	_, err := members(data, i, func(key []byte, i int) (int, error) {
		if f, err := field(key, eventFields, &seen); f < 0 {
			return skipUnknown(data, i, err)
		}
		return d.records(data, i)
	})
	if err != nil {
		return events.KinesisEvent{}, false
	}
	// Only the first value is read, as json.Decoder reads it: what follows
	// it is not looked at.
	if seen != 0 {
		s := string(d.strs)
		for _, f := range d.fixes {
			r := &d.recs[f.rec]
			v := s[f.start:f.end]
			switch f.field {
			case uEventID:
				r.EventID = v
			case uPartitionKey:
				r.Kinesis.PartitionKey = v
			case uSequenceNumber:
				r.Kinesis.SequenceNumber = v
			}
		}
		ev.Records = d.recs
	}
	return ev, true
}

func (d *decoder) records(data []byte, i int) (int, error) {
	if data[i] != '[' {
		return 0, errFallback
	}
	// All the data of the batch fits in three quarters of the payload.
	d.blob = make([]byte, 0, len(data)/4*3+3)
	d.recs = make([]events.KinesisEventRecord, 0, 1)
	i = jsonscan.SkipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1, nil
	}
	for {
		if i >= len(data) || data[i] != '{' {
			return 0, errFallback
		}
		start := i
		d.recs = append(d.recs, events.KinesisEventRecord{})
		end, err := d.record(data, i, len(d.recs)-1)
		if err != nil {
			return 0, err
		}
		if len(d.recs) == 1 {
			// Size the slice once from the first record.
			n := (len(data)-end)/(end-start+1) + 2
			d.recs = append(make([]events.KinesisEventRecord, 0, n), d.recs...)
		}
		if i = jsonscan.SkipSpace(data, end); i >= len(data) {
			return 0, errFallback
		}
		switch data[i] {
		case ',':
			i = jsonscan.SkipSpace(data, i+1)
		case ']':
			return i + 1, nil
		default:
			return 0, errFallback
		}
	}
}

var eventFields = []string{"Records"}

var recordFields = []string{"awsRegion", "eventID", "eventName", "eventSource", "eventSourceARN", "eventVersion", "invokeIdentityArn", "kinesis"}

func (d *decoder) record(data []byte, i, n int) (int, error) {
	r := &d.recs[n]
	var seen uint
	return members(data, i, func(key []byte, i int) (int, error) {
		f, err := field(key, recordFields, &seen)
		if f < 0 {
			return skipUnknown(data, i, err)
		}
		switch f {
		case 0:
			return d.interned(data, i, iRegion, &r.AwsRegion)
		case 1:
			return d.unique(data, i, n, uEventID)
		case 2:
			return d.interned(data, i, iEventName, &r.EventName)
		case 3:
			return d.interned(data, i, iEventSource, &r.EventSource)
		case 4:
			return d.interned(data, i, iSourceARN, &r.EventSourceArn)
		case 5:
			return d.interned(data, i, iEventVersion, &r.EventVersion)
		case 6:
			return d.interned(data, i, iIdentityARN, &r.InvokeIdentityArn)
		}
		return d.kinesis(data, i, n)
	})
}

var kinesisFields = []string{"approximateArrivalTimestamp", "data", "encryptionType", "partitionKey", "sequenceNumber", "kinesisSchemaVersion"}

func (d *decoder) kinesis(data []byte, i, n int) (int, error) {
	if data[i] != '{' {
		return 0, errFallback
	}
	k := &d.recs[n].Kinesis
	var seen uint
	return members(data, i, func(key []byte, i int) (int, error) {
		f, err := field(key, kinesisFields, &seen)
		if f < 0 {
			return skipUnknown(data, i, err)
		}
		switch f {
		case 0:
			return timestamp(data, i, &k.ApproximateArrivalTimestamp)
		case 1:
			return d.data(data, i, &k.Data)
		case 2:
			return d.interned(data, i, iEncryption, &k.EncryptionType)
		case 3:
			return d.unique(data, i, n, uPartitionKey)
		case 4:
			return d.unique(data, i, n, uSequenceNumber)
		}
		return d.interned(data, i, iSchemaVersion, &k.KinesisSchemaVersion)
	})
}

// field returns the index of key in names and marks it in seen. It returns
// -1 and errFallback for a key seen before (encoding/json keeps the last of
// duplicates) or one that matches a name but for case (a field to
// encoding/json), and -1 and nil for a key that is none of names.
func field(key []byte, names []string, seen *uint) (int, error) {
	for k, name := range names {
		if string(key) == name {
			if *seen&(1<<k) != 0 {
				return -1, errFallback
			}
			*seen |= 1 << k
			return k, nil
		}
	}
	for _, name := range names {
		if bytes.EqualFold(key, []byte(name)) {
			return -1, errFallback
		}
	}
	return -1, nil
}

// skipUnknown skips the value at data[i] of a key field did not find, or
// returns field's error.
func skipUnknown(data []byte, i int, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return skipValue(data, i, 1)
}

// plainString returns the contents of the string at data[i] when encoding/json
// would decode it to the same bytes: no escapes, valid UTF-8.
func plainString(data []byte, i int) ([]byte, int, error) {
	if data[i] != '"' {
		return nil, 0, errFallback
	}
	j := i + 1
	ascii := true
	for ; j < len(data); j++ {
		c := data[j]
		if c == '"' {
			break
		}
		if c < 0x20 || c == '\\' {
			return nil, 0, errFallback
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if j >= len(data) {
		return nil, 0, errFallback
	}
	s := data[i+1 : j]
	if !ascii && !utf8.Valid(s) {
		return nil, 0, errFallback
	}
	return s, j + 1, nil
}

func (d *decoder) interned(data []byte, i, k int, dst *string) (int, error) {
	s, end, err := plainString(data, i)
	if err != nil {
		return 0, err
	}
	if string(s) != d.last[k] {
		d.last[k] = string(s)
	}
	*dst = d.last[k]
	return end, nil
}

func (d *decoder) unique(data []byte, i, n int, field uint8) (int, error) {
	s, end, err := plainString(data, i)
	if err != nil {
		return 0, err
	}
	start := len(d.strs)
	d.strs = append(d.strs, s...)
	d.fixes = append(d.fixes, fix{n, field, start, len(d.strs)})
	return end, nil
}

func (d *decoder) data(data []byte, i int, dst *[]byte) (int, error) {
	if data[i] != '"' {
		return 0, errFallback
	}
	// The base64 alphabet has no quote, backslash or control character, so
	// the string ends at the next quote, and base64 rejects anything else
	// but the line breaks it skips, which a JSON string cannot hold raw.
	j := bytes.IndexByte(data[i+1:], '"')
	if j < 0 {
		return 0, errFallback
	}
	s := data[i+1 : i+1+j]
	if bytes.IndexByte(s, '\n') >= 0 || bytes.IndexByte(s, '\r') >= 0 {
		return 0, errFallback
	}
	at := len(d.blob)
	buf := d.blob[at : at+base64.StdEncoding.DecodedLen(len(s))]
	n, err := base64.StdEncoding.Decode(buf, s)
	if err != nil {
		return 0, errFallback
	}
	d.blob = d.blob[:at+n]
	*dst = d.blob[at : at+n : at+n]
	return i + j + 2, nil
}

// timestamp decodes a number as events.SecondsEpochTime.UnmarshalJSON does.
func timestamp(data []byte, i int, dst *events.SecondsEpochTime) (int, error) {
	end := jsonscan.Number(data, i)
	if end < 0 {
		return 0, errFallback
	}
	epoch, err := strconv.ParseFloat(string(data[i:end]), 64)
	if err != nil {
		return 0, errFallback
	}
	sec := int64(epoch)
	nsec := int64((epoch - float64(sec)) * float64(time.Second))
	*dst = events.SecondsEpochTime{Time: time.Unix(sec, nsec)}
	return end, nil
}

// members walks the object at data[i] == '{', calling fn with each key
// (which has no escapes) and the index of its value; fn returns where the
// value ends.
func members(data []byte, i int, fn func(key []byte, i int) (int, error)) (int, error) {
	i = jsonscan.SkipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return 0, errFallback
		}
		j := bytes.IndexByte(data[i+1:], '"')
		if j < 0 {
			return 0, errFallback
		}
		key := data[i+1 : i+1+j]
		for _, c := range key {
			if c < 0x20 || c == '\\' {
				return 0, errFallback
			}
		}
		i = jsonscan.SkipSpace(data, i+j+2)
		if i >= len(data) || data[i] != ':' {
			return 0, errFallback
		}
		if i = jsonscan.SkipSpace(data, i+1); i >= len(data) {
			return 0, errFallback
		}
		end, err := fn(key, i)
		if err != nil {
			return 0, err
		}
		if i = jsonscan.SkipSpace(data, end); i >= len(data) {
			return 0, errFallback
		}
		switch data[i] {
		case ',':
			i = jsonscan.SkipSpace(data, i+1)
		case '}':
			return i + 1, nil
		default:
			return 0, errFallback
		}
	}
}

// skipValue validates the value at data[i] and returns where it ends.
func skipValue(data []byte, i, depth int) (int, error) {
	if i >= len(data) || depth > maxSkipDepth {
		return 0, errFallback
	}
	switch c := data[i]; {
	case c == '{':
		return members(data, i, func(_ []byte, i int) (int, error) { return skipValue(data, i, depth+1) })
	case c == '[':
		i = jsonscan.SkipSpace(data, i+1)
		if i < len(data) && data[i] == ']' {
			return i + 1, nil
		}
		for {
			end, err := skipValue(data, i, depth+1)
			if err != nil {
				return 0, err
			}
			if i = jsonscan.SkipSpace(data, end); i >= len(data) {
				return 0, errFallback
			}
			switch data[i] {
			case ',':
				i = jsonscan.SkipSpace(data, i+1)
			case ']':
				return i + 1, nil
			default:
				return 0, errFallback
			}
		}
	case c == '"':
		_, end, err := plainString(data, i)
		return end, err
	case c == 't':
		return literal(data, i, "true")
	case c == 'f':
		return literal(data, i, "false")
	case c == 'n':
		return literal(data, i, "null")
	}
	if end := jsonscan.Number(data, i); end > 0 {
		return end, nil
	}
	return 0, errFallback
}

func literal(data []byte, i int, lit string) (int, error) {
	if !bytes.HasPrefix(data[i:], []byte(lit)) {
		return 0, errFallback
	}
	return i + len(lit), nil
}

// AppendResponse appends r encoded as aws-lambda-go encodes a handler's
// response: encoding/json without HTML escaping.
func AppendResponse(dst []byte, r events.KinesisEventResponse) []byte {
	if r.BatchItemFailures == nil {
		return append(dst, `{"batchItemFailures":null}`...)
	}
	dst = append(dst, `{"batchItemFailures":[`...)
	for i, f := range r.BatchItemFailures {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"itemIdentifier":`...)
		dst = appendString(dst, f.ItemIdentifier)
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

// appendString quotes s. Sequence numbers need nothing escaped; anything
// else is left to encoding/json.
func appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(s) // a string always encodes
			return append(dst, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
