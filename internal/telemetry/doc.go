// Package telemetry is the functions' observability output: CloudWatch
// Embedded Metric Format (EMF) lines, X-Ray subsegments and JSON logs.
//
// All three go to places Lambda already collects: EMF lines and logs to
// stdout (CloudWatch Logs extracts the metrics), subsegments to the X-Ray
// daemon. None of them carries record content: metrics are counts and
// durations, trace spans are named after stages, and the logger redacts the
// fields that hold page text.
//
// Metrics carry only the low-cardinality dimensions configured with
// METRICS_DIMENSIONS (for example Stage=prod). The request id, shard and
// sequence range of an invocation are plain members of its EMF line, so
// CloudWatch Logs Insights can find the invocation behind a data point
// without each shard becoming a metric of its own.
package telemetry
