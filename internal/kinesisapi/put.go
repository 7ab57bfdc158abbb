package kinesisapi

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// Entry is one record to put.
type Entry struct {
	PartitionKey string
	Data         []byte
}

// PutRecords limits per call.
const (
	MaxPutRecords      = 500
	MaxPutRecordsBytes = 5 << 20
)

// Put writes entries in order with PutRecords, up to 500 records or 5 MiB a
// call, resending the entries a call reports as failed (throttled) until
// every one is accepted. Resent entries land after the rest of their call, so
// per-key order holds only while no call partially fails; kinesalite never
// throttles.
func Put(ctx context.Context, c *kinesis.Client, stream string, entries []Entry) error {
	for len(entries) > 0 {
		n, size := 0, 0
		for n < len(entries) && n < MaxPutRecords {
			s := len(entries[n].Data) + len(entries[n].PartitionKey)
			if n > 0 && size+s > MaxPutRecordsBytes {
				break
			}
			size += s
			n++
		}
		if err := putAll(ctx, c, stream, entries[:n]); err != nil {
			return err
		}
		entries = entries[n:]
	}
	return nil
}

func putAll(ctx context.Context, c *kinesis.Client, stream string, entries []Entry) error {
	reqs := make([]types.PutRecordsRequestEntry, len(entries))
	for i, e := range entries {
		reqs[i] = types.PutRecordsRequestEntry{PartitionKey: &e.PartitionKey, Data: e.Data}
	}
	for attempt := 0; len(reqs) > 0; attempt++ {
		out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &stream, Records: reqs})
		if err != nil {
			return fmt.Errorf("kinesisapi: PutRecords: %w", err)
		}
		if out.FailedRecordCount == nil || *out.FailedRecordCount == 0 {
			return nil
		}
		var again []types.PutRecordsRequestEntry
		for i, r := range out.Records {
			if r.ErrorCode != nil {
				again = append(again, reqs[i])
			}
		}
		reqs = again
		select {
		case <-time.After(time.Duration(min(attempt+1, 10)) * 50 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
