// Package esm emulates, in process, the AWS Lambda event source mapping that
// feeds a Kinesis stream to a function. A Mapping reads a Source (the
// in-memory Stream, or internal/kinesisapi's Kinesis API client) and
// calls a real Lambda Kinesis handler with the documented semantics: batch
// size and the 6 MB payload limit, the batching window, per-shard order,
// parallelization with per-partition-key order, partial batch responses,
// bisection on function errors, retry and record-age limits, and on-failure
// destination records. Tests, `kleo run`, fault injection and benchmarks use
// it to drive the processor exactly as Lambda would, including the
// redeliveries that at-least-once delivery implies.
package esm
