package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunPIIScrubsLines(t *testing.T) {
	in := strings.Join([]string{
		`{"text": "Grüße an jörg@example.de, Tel. +49 30 1234568"}`,
		``,
		`{"text": "nothing here"}`,
		`{"text": "me 0x52908400098527886E0F7030069857D2E4169EE7", "keep": "0x52908400098527886e0f7030069857d2e4169ee7"}`,
	}, "\n")
	var out, errb bytes.Buffer
	if err := runPII(context.Background(), nil, strings.NewReader(in), &out, &errb); err != nil {
		t.Fatalf("runPII: %v (%s)", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d output lines, want 3:\n%s", len(lines), out.String())
	}
	var first piiOutput
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.Text != "Grüße an <EMAIL_ADDRESS>, Tel. <PHONE_NUMBER>" {
		t.Errorf("text = %q", first.Text)
	}
	src := "Grüße an jörg@example.de, Tel. +49 30 1234568"
	if len(first.Entities) != 2 || src[first.Entities[0].Start:first.Entities[0].End] != "jörg@example.de" ||
		src[first.Entities[1].Start:first.Entities[1].End] != "+49 30 1234568" {
		t.Errorf("entities = %+v: not byte offsets of the input", first.Entities)
	}
	if !strings.Contains(lines[0], "<EMAIL_ADDRESS>") {
		t.Errorf("placeholders are HTML-escaped: %s", lines[0])
	}
	if lines[1] != `{"text":"nothing here","entities":[]}` {
		t.Errorf("clean line = %s", lines[1])
	}
	if !strings.Contains(lines[2], "0x52908400098527886E0F7030069857D2E4169EE7") {
		t.Errorf("the keep address was redacted: %s", lines[2])
	}
}

func TestRunPIIErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		in    string
		usage bool
	}{
		{"bad json", nil, "{not json}\n", false},
		{"no text field", nil, `{"txt": "a"}` + "\n", false},
		{"stray argument", []string{"extra"}, "", true},
		{"doc without eval", []string{"-doc", "x.md"}, "", true},
		{"unknown flag", []string{"-nope"}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := runPII(context.Background(), tc.args, strings.NewReader(tc.in), &out, &errb)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, errUsage) != tc.usage {
				t.Fatalf("errors.Is(err, errUsage) = %v, want %v (%v)", !tc.usage, tc.usage, err)
			}
		})
	}
}

func TestRunPIIEvalWritesDoc(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "set.json")
	const set = `[{"full_text": "card 4111111111111111 and Dear Bob", "spans": [
		{"entity_type": "CREDIT_CARD", "start_position": 5, "end_position": 21},
		{"entity_type": "PERSON", "start_position": 31, "end_position": 34}]}]`
	if err := os.WriteFile(data, []byte(set), 0o644); err != nil {
		t.Fatal(err)
	}
	doc := filepath.Join(dir, "pii.md")
	if err := os.WriteFile(doc, []byte("intro\n"+evalBegin+"\nold table\n"+evalEnd+"\noutro\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	err := runPII(context.Background(), []string{"-eval", data, "-doc", doc}, strings.NewReader(""), &out, &errb)
	// The tiny set has no phone numbers etc., which count as recall 1; the
	// targets are met.
	if err != nil {
		t.Fatalf("eval: %v", err)
	}
	b, _ := os.ReadFile(doc)
	got := string(b)
	if strings.Contains(got, "old table") || !strings.Contains(got, "| CREDIT_CARD | 1 | 1 | 1.000 | 1.000 | 1.000 |") ||
		!strings.HasPrefix(got, "intro\n") || !strings.HasSuffix(got, evalEnd+"\noutro\n") {
		t.Fatalf("doc not rewritten between the markers:\n%s", got)
	}
	if !strings.Contains(out.String(), "| PERSON | 1 | 1 | 1.000 | 1.000 | 1.000 |") {
		t.Fatalf("printed table lacks PERSON:\n%s", out.String())
	}
}
