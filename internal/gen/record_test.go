package gen

import (
	"errors"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/record"
)

// TestAgreesWithRecordDecoder checks the generator against the processor's
// own decoder: every valid record decodes to the ground truth, every
// malformed one is rejected as invalid.
func TestAgreesWithRecordDecoder(t *testing.T) {
	cfg := Config{Users: 40, ItemsPerUser: 30, Seed: 17, PIIRate: 0.3, MalformedRate: 0.3, DuplicateRate: 0.1}
	rejected := map[Fault]int{}
	for _, r := range Generate(cfg) {
		it, err := record.Decode(r.Data)
		if r.Malformed {
			if !errors.Is(err, record.ErrInvalid) {
				t.Errorf("%s record accepted (err %v)", r.Fault, err)
			}
			rejected[r.Fault]++
			continue
		}
		if err != nil {
			t.Errorf("valid record rejected: %v", err)
			continue
		}
		if it.ID != r.ID || it.Address != r.Address || it.VisitTime != r.VisitTime || it.Title == "" || it.URL == "" {
			t.Errorf("decoded id %s address %s visit %d, want %s %s %d", it.ID, it.Address, it.VisitTime, r.ID, r.Address, r.VisitTime)
		}
	}
	for _, f := range Faults() {
		if rejected[f] == 0 {
			t.Errorf("no %s record was checked", f)
		}
	}
}

// TestKleoRecordsDecode checks Kleo-shaped records against the processor's
// decoder: valid ones decode to their history document, malformed ones are
// rejected.
func TestKleoRecordsDecode(t *testing.T) {
	p, err := Kleo(KleoConfig{Config: Config{Users: 20, ItemsPerUser: 30, Seed: 5, PIIRate: 0.15, MalformedRate: 0.1, DuplicateRate: 0.05}, Late: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Records {
		it, err := record.Decode(r.Data)
		if r.Malformed {
			if !errors.Is(err, record.ErrInvalid) {
				t.Errorf("%s record accepted (err %v)", r.Fault, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("valid record rejected: %v", err)
			continue
		}
		if it.ID != r.ID || it.Address != r.Address || it.VisitTime != r.VisitTime || it.CreateTimestamp < r.VisitTime/1000 {
			t.Errorf("decoded id %s address %s visit %d, want %s %s %d", it.ID, it.Address, it.VisitTime, r.ID, r.Address, r.VisitTime)
		}
	}
}
