// Package bench measures what the capacity model needs, on the machine it
// runs on: the CPU cost per record of each stage of the real handler on
// generated records of several sizes, and the cost per batch of the
// handler's database writes for several batch sizes (Run); and the
// end-to-end throughput of the event-source-mapping emulator reading a
// kinesalite stream through the real handler into the embedded store
// (RunE2E), next to the capacity model's prediction for each cell.
//
// Every measurement is repeated and reported as a median, so a noisy
// neighbour on a shared machine moves single runs, not the result.
package bench
