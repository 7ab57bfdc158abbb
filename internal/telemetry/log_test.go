package telemetry

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

type page struct{ Title, URL string }

func TestLoggerRedacts(t *testing.T) {
	var out bytes.Buffer
	log := Logger(&out, slog.LevelInfo).With("request_id", "req-1", "email", "jane.roe@example.com")
	log.Info("batch",
		"shard", "shardId-000000000003", "first_seq", "4959", "records", 3, "duration_ms", int64(12),
		"title", "Jane Roe's test results", "URL", "https://clinic.example.org/?patient=jane",
		"summary", "Diagnosis", "domain", "clinic.example.org",
		"item", page{"Jane Roe's test results", "https://clinic.example.org/"},
		"counts", map[string]int{"jane.roe@example.com": 1},
		slog.Group("doc", "url", "https://clinic.example.org/", "size", 10),
		"err", errors.New("store history: connection reset"),
	)
	log.Debug("below the level", "records", 1)

	line := out.String()
	if strings.Count(line, "\n") != 1 {
		t.Fatalf("want one line (debug filtered out), got %q", line)
	}
	for _, leak := range []string{"jane", "clinic.example", "Diagnosis", "test results"} {
		if strings.Contains(strings.ToLower(line), strings.ToLower(leak)) {
			t.Errorf("log contains %q: %s", leak, line)
		}
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"msg": "batch", "level": "INFO", "request_id": "req-1", "shard": "shardId-000000000003", "first_seq": "4959",
		"records": 3.0, "duration_ms": 12.0, "err": "store history: connection reset",
		"email": Redacted, "title": Redacted, "URL": Redacted, "summary": Redacted, "domain": Redacted,
		"item": Redacted + " telemetry.page", "counts": Redacted + " map[string]int",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	if doc, _ := got["doc"].(map[string]any); doc["url"] != Redacted || doc["size"] != 10.0 {
		t.Errorf("group doc = %v, want url redacted and size kept", got["doc"])
	}
}
