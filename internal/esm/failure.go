package esm

import (
	"encoding/json"
	"time"
)

// Conditions under which the mapping discards a batch.
const (
	RetryAttemptsExhausted = "RetryAttemptsExhausted"
	RecordAgeExceeded      = "RecordAgeExceeded"
)

// OnFailureRecord is the invocation record Lambda sends to a Kinesis event
// source mapping's on-failure destination when it discards a batch. It
// marshals to the documented JSON shape; it names the records (shard and
// sequence range) but does not contain them.
type OnFailureRecord struct {
	RequestContext   RequestContext   `json:"requestContext"`
	ResponseContext  ResponseContext  `json:"responseContext"`
	Version          string           `json:"version"` // "1.0"
	Timestamp        time.Time        `json:"-"`       // "timestamp", ISO 8601 in milliseconds
	KinesisBatchInfo KinesisBatchInfo `json:"KinesisBatchInfo"`
}

// RequestContext describes the last invocation of the discarded records.
type RequestContext struct {
	RequestID   string `json:"requestId"`
	FunctionARN string `json:"functionArn"`
	Condition   string `json:"condition"` // RetryAttemptsExhausted or RecordAgeExceeded
	// ApproximateInvokeCount counts the invocations that delivered these
	// records, including those of the larger batches they were bisected from.
	// It is 0 for records that expired before any invocation.
	ApproximateInvokeCount int `json:"approximateInvokeCount"`
}

// ResponseContext describes the function's answer to that invocation.
type ResponseContext struct {
	StatusCode      int    `json:"statusCode"` // 200 once invoked, 0 if never
	ExecutedVersion string `json:"executedVersion"`
	// FunctionError is "Unhandled" when the function returned an error,
	// panicked or timed out; empty when it answered with batch item failures.
	FunctionError string `json:"functionError,omitempty"`
}

// KinesisBatchInfo locates the discarded records in the stream.
type KinesisBatchInfo struct {
	ShardID                         string    `json:"shardId"`
	StartSequenceNumber             string    `json:"startSequenceNumber"`
	EndSequenceNumber               string    `json:"endSequenceNumber"`
	ApproximateArrivalOfFirstRecord time.Time `json:"-"`
	ApproximateArrivalOfLastRecord  time.Time `json:"-"`
	BatchSize                       int       `json:"batchSize"`
	StreamARN                       string    `json:"streamArn"`
}

// isoMillis is the timestamp format of invocation records.
const isoMillis = "2006-01-02T15:04:05.000Z"

// MarshalJSON writes the documented shape, timestamps as
// "2019-11-14T00:38:06.021Z".
func (r OnFailureRecord) MarshalJSON() ([]byte, error) {
	type plain OnFailureRecord
	return json.Marshal(struct {
		plain
		Timestamp string `json:"timestamp"`
	}{plain(r), r.Timestamp.UTC().Format(isoMillis)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *OnFailureRecord) UnmarshalJSON(b []byte) error {
	type plain OnFailureRecord
	var v struct {
		plain
		Timestamp string `json:"timestamp"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	t, err := time.Parse(isoMillis, v.Timestamp)
	if err != nil {
		return err
	}
	*r = OnFailureRecord(v.plain)
	r.Timestamp = t
	return nil
}

// MarshalJSON writes the arrival times as "2019-11-14T00:38:04.835Z".
func (k KinesisBatchInfo) MarshalJSON() ([]byte, error) {
	type plain KinesisBatchInfo
	return json.Marshal(struct {
		plain
		First string `json:"approximateArrivalOfFirstRecord"`
		Last  string `json:"approximateArrivalOfLastRecord"`
	}{plain(k), k.ApproximateArrivalOfFirstRecord.UTC().Format(isoMillis), k.ApproximateArrivalOfLastRecord.UTC().Format(isoMillis)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (k *KinesisBatchInfo) UnmarshalJSON(b []byte) error {
	type plain KinesisBatchInfo
	var v struct {
		plain
		First string `json:"approximateArrivalOfFirstRecord"`
		Last  string `json:"approximateArrivalOfLastRecord"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	first, err := time.Parse(isoMillis, v.First)
	if err != nil {
		return err
	}
	last, err := time.Parse(isoMillis, v.Last)
	if err != nil {
		return err
	}
	*k = KinesisBatchInfo(v.plain)
	k.ApproximateArrivalOfFirstRecord, k.ApproximateArrivalOfLastRecord = first, last
	return nil
}
