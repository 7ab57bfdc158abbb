package processor

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/kleo-network/kleo-stream/internal/kinesisevent"
)

// enter is how BenchmarkInvocation hands the raw payload to the handler:
// as functions/processor does, through kinesisevent's one-pass decode.
func enter(h func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error)) lambda.Handler {
	return kinesisevent.Handler(h)
}
