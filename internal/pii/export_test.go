package pii

// LoadProse gives the external tests (package pii_test) the prose
// summaries the benchmarks read.
var LoadProse = loadProse
