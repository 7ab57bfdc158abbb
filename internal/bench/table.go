package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// WriteTable prints the profile's medians.
func (p Profile) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "time per record, median of %d runs (envelope: the raw invocation payload to records, and by aws-lambda-go's reflection in the same run;\n"+
		"pipeline: the whole invocation from its raw payload with a free store; CPU: process CPU time, GC included; allocs: heap allocations of the whole invocation)\n", p.Reps)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "summary bytes\trecord bytes\tenvelope\taws-lambda-go\tdecode\tPII\tclassify\tpipeline\tCPU\tallocs\t")
	for _, s := range p.Stages {
		fmt.Fprintf(tw, "%d..%d\t%.0f\t%s\t%s (%.1fx)\t%s\t%s\t%s\t%s\t%s\t%.1f\t\n", s.SummaryMin, s.SummaryMax, s.RecordBytes,
			us(s.Envelope), us(s.EnvelopeOld), float64(s.EnvelopeOld)/float64(max(s.Envelope, 1)),
			us(s.Decode), us(s.PII), us(s.Classify), us(s.Pipeline), us(s.CPU), s.Allocs)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(p.DB) > 0 {
		fmt.Fprintf(w, "\ndatabase writes per batch, %s store, median of %d runs (batch/10 users generated; distinct users per batch shown)\n", p.Machine.Store, p.Reps)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "batch\tusers\tround trips\tdb time\tper record\tof which CPU\twrite phase\tinvocation CPU\t")
		for _, d := range p.DB {
			fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", d.Batch, d.Users, d.RoundTrips, ms(d.DBTime),
				us(d.DBTime/time.Duration(d.Batch)), ms(d.DBCPU), ms(d.Persist), ms(d.HandlerCPU))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	f := p.Fit
	_, err := fmt.Fprintf(w, "\nfit: handler CPU %s + %s per KB per record; database %s per batch + %s per record (%d round trips), of which CPU %s + %s;\n"+
		"     whole invocation with the store in process %s per batch + %s per record of CPU\n",
		us(f.CPUFixed), us(f.CPUPerKB), ms(f.DBFixed), us(f.DBPerRecord), f.RoundTrips, ms(f.DBCPUFixed), us(f.DBCPUPerRecord),
		ms(f.HandlerCPUFixed), us(f.HandlerCPUPerRecord))
	return err
}

func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/1e3) }
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }
