// Command echo is a stand-in bootstrap for the harness's tests: it reports
// every record whose data is "fail" as a batch item failure.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/kleo-network/kleo-stream/internal/kinesisevent"
)

func main() {
	lambda.Start(kinesisevent.Handler(func(_ context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		var resp events.KinesisEventResponse
		for _, r := range ev.Records {
			if string(r.Kinesis.Data) == "fail" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: r.Kinesis.SequenceNumber})
			}
		}
		return resp, nil
	}))
}
