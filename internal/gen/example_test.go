package gen_test

import (
	"fmt"
	"time"

	"github.com/kleo-network/kleo-stream/internal/gen"
)

// Each streams records; KinesisEvent and ShardFor turn them into the
// batches an event source mapping would deliver from each shard.
func ExampleEach() {
	const shards = 2
	batches := make([][]gen.Record, shards)
	cfg := gen.Config{Users: 10, ItemsPerUser: 10, Seed: 1, MalformedRate: 0.05}
	err := gen.Each(cfg, func(r gen.Record) error {
		s := gen.ShardFor(r.PartitionKey, shards)
		batches[s] = append(batches[s], r)
		return nil
	})
	if err != nil {
		panic(err)
	}
	total := 0
	for s, recs := range batches {
		ev := gen.KinesisEvent(gen.Source{Shard: gen.ShardID(s)}, 0, time.Now(), recs)
		total += len(ev.Records)
	}
	fmt.Println(total, "records")
	// Output: 100 records
}
