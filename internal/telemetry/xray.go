package telemetry

// This file is the only one that knows about X-Ray: moving to OpenTelemetry
// means replacing it with an implementation of the same Start method.

import (
	"context"

	"github.com/aws/aws-xray-sdk-go/xray"
)

// XRay opens an X-Ray subsegment per span. It implements processor.Tracer;
// the zero value is ready to use.
//
// In Lambda (Tracing: Active) the runtime puts the trace header in the
// invocation's context and the SDK hangs the subsegments under the
// function's facade segment. Where there is neither a segment nor a trace
// header (local runs, tests, kleo bench) Start does nothing: it never asks
// the SDK for a subsegment it would have to report as "context missing".
//
// A span records only its name (a stage or call name), its times and, on
// failure, the error: no annotations or metadata, so no record content.
type XRay struct{}

// Start opens a subsegment named name; the returned function closes it,
// marking it as a fault when err is not nil.
func (XRay) Start(ctx context.Context, name string) (context.Context, func(error)) {
	if header, _ := ctx.Value(xray.LambdaTraceHeaderKey).(string); header == "" && xray.GetSegment(ctx) == nil {
		return ctx, func(error) {}
	}
	ctx, seg := xray.BeginSubsegment(ctx, name)
	if seg == nil {
		return ctx, func(error) {}
	}
	return ctx, seg.Close
}
