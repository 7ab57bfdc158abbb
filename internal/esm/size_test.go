package esm

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// The size bound must never be below the real JSON (or a batch could exceed
// 6 MB) and should not be far above it (or batches would be cut short).
func TestRecordSizeBoundsJSON(t *testing.T) {
	s := newStream(t, 1, nil)
	r := newRunner(&Mapping{Source: s, Config: testConfig()})
	sh := r.newShard(ShardID(0))
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{"0xabc", `quo"te\`, "<&>", "\x00\x1f\n", "é中😀", "\u2028", string([]byte{0xff, 0xfe}), "k"}
	for i := range 500 {
		key := keys[i%len(keys)]
		data := make([]byte, rng.IntN(3000))
		for j := range data {
			data[j] = byte(rng.IntN(256))
		}
		r0 := Record{
			PartitionKey:       key,
			SequenceNumber:     sequenceNumber(rng.IntN(999), rng.IntN(1e9)+1),
			Data:               data,
			ApproximateArrival: time.UnixMilli(rng.Int64N(4e12)),
		}
		ev := sh.event([]rec{{Record: r0}})
		b, err := json.Marshal(ev.Records[0])
		if err != nil {
			t.Fatal(err)
		}
		bound := r.sizer.size(sh.id, &r0)
		if bound < len(b) || bound > len(b)+maxEpochSecondsLen+5*len(key) {
			t.Fatalf("key %q, %d data bytes: bound %d for %d bytes of JSON", key, len(data), bound, len(b))
		}
	}
	empty, _ := json.Marshal(events.KinesisEvent{Records: []events.KinesisEventRecord{}})
	if len(empty) != eventOverhead {
		t.Errorf("eventOverhead %d, empty event is %d bytes", eventOverhead, len(empty))
	}
}
