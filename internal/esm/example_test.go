package esm_test

import (
	"context"
	"fmt"
	"log"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/esm"
)

func Example() {
	stream, err := esm.NewStream(esm.StreamConfig{Shards: 2})
	if err != nil {
		log.Fatal(err)
	}
	for i := range 250 {
		if _, err := stream.Put(fmt.Sprintf("0xuser%d", i%10), []byte(`{"n":1}`)); err != nil {
			log.Fatal(err)
		}
	}

	// A handler that rejects the 11th record of one batch, once. Shards run
	// concurrently, so its state is atomic.
	var rejected atomic.Bool
	handler := func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		if len(ev.Records) > 10 && rejected.CompareAndSwap(false, true) {
			return events.KinesisEventResponse{BatchItemFailures: []events.KinesisBatchItemFailure{
				{ItemIdentifier: ev.Records[10].Kinesis.SequenceNumber},
			}}, nil
		}
		return events.KinesisEventResponse{}, nil
	}

	cfg := esm.DefaultConfig()
	cfg.MaximumBatchingWindow = 0
	cfg.ParallelizationFactor = 1
	m := &esm.Mapping{Source: stream, Handler: handler, Config: cfg}
	st, err := m.Run(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("records:", st.RecordsSucceeded, "partial failures:", st.PartialFailures)
	// Output: records: 250 partial failures: 1
}
