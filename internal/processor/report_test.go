package processor

import (
	"reflect"
	"testing"
	"time"
)

func TestReportAdd(t *testing.T) {
	var sum Report
	sum.Add(Report{RecordsIn: 3, Processed: 2, DeadLettered: 1, DBCalls: 3, Decode: time.Millisecond, PII: map[string]int{"PERSON": 1}})
	sum.Add(Report{RecordsIn: 4, Replayed: 4, Conflicts: 1, DBCalls: 4, Decode: time.Millisecond, PII: map[string]int{"PERSON": 2, "EMAIL_ADDRESS": 1},
		Activities: map[string]int{"Coding": 1}, Letters: []Letter{{ID: "x"}}, Shard: "s"})
	want := Report{RecordsIn: 7, Processed: 2, Replayed: 4, DeadLettered: 1, Conflicts: 1, DBCalls: 7, Decode: 2 * time.Millisecond,
		PII: map[string]int{"PERSON": 3, "EMAIL_ADDRESS": 1}, Activities: map[string]int{"Coding": 1}}
	if !reflect.DeepEqual(sum, want) {
		t.Errorf("sum = %+v\nwant  %+v", sum, want)
	}
}
