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

	"github.com/kleo-network/kleo-stream/internal/classify/eval"
)

func TestClassifyCommand(t *testing.T) {
	in := strings.Join([]string{
		`{"url":"https://github.com/golang/go/pull/1","title":"cmd/go: fix build","summary":"","domain":"github.com"}`,
		`{"url":"https://www.allrecipes.com/recipe/1/x/","title":"Easy banana bread","summary":"Mash the bananas"}`,
		`{"url":"","title":"","summary":"","domain":""}`,
	}, "\n")
	var out, errOut bytes.Buffer
	if err := runClassify(context.Background(), nil, strings.NewReader(in), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d output lines, want 3:\n%s", len(lines), out.String())
	}
	want := []string{"Coding", "Cooking"}
	for i, line := range lines {
		var got map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		conf, ok := got["confidence"].(float64)
		if _, has := got["activity"].(string); !has || !ok || conf <= 0 || conf > 1 {
			t.Errorf("line %d = %s, want activity and confidence in (0, 1]", i, line)
		}
		if i < len(want) && got["activity"] != want[i] {
			t.Errorf("line %d: activity %v, want %s", i, got["activity"], want[i])
		}
	}
	if !strings.Contains(lines[2], `"low":true`) {
		t.Errorf("empty item: %s, want low", lines[2])
	}
}

func TestClassifyCommandRejectsBadJSON(t *testing.T) {
	secret := "https://bank.example/account?id=12345"
	err := runClassify(context.Background(), nil, strings.NewReader(`{"url":"`+secret+`"`), new(bytes.Buffer), new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("err = %v, want a line-1 JSON error", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error echoes the input: %v", err)
	}
	if err := runClassify(context.Background(), []string{"extra"}, strings.NewReader(""), new(bytes.Buffer), new(bytes.Buffer)); !errors.Is(err, errUsage) {
		t.Errorf("stray argument: err = %v, want errUsage", err)
	}
}

func TestClassifyEvalWritesDoc(t *testing.T) {
	dir := t.TempDir()
	set := filepath.Join(dir, "eval.jsonl")
	doc := filepath.Join(dir, "doc.md")
	items := `{"url":"https://github.com/a/b","title":"x","summary":"","activity":"Coding"}` + "\n" +
		`{"url":"https://www.netflix.com/browse","title":"Home","summary":"","activity":"Streaming"}` + "\n"
	if err := os.WriteFile(set, []byte(items), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(doc, []byte("intro\n"+eval.BeginMarker+"\nstale\n"+eval.EndMarker+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	svg := filepath.Join(dir, "reliability.svg")
	var out bytes.Buffer
	args := []string{"-eval", set, "-post", set, "-data", "../../internal/classify/data", "-ablate=false", "-doc", doc, "-svg", svg}
	if err := runClassify(context.Background(), args, nil, &out, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "2 items  top-1 100.0%") || !strings.Contains(out.String(), "ECE") {
		t.Errorf("report:\n%s", out.String())
	}
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); strings.Contains(s, "stale") || !strings.Contains(s, "| own evaluation set | 2 | 100.0% |") ||
		!strings.Contains(s, "](reliability.svg)") || !strings.HasPrefix(s, "intro\n") {
		t.Errorf("doc not updated:\n%s", s)
	}
	if b, err := os.ReadFile(svg); err != nil || !bytes.HasPrefix(b, []byte("<svg")) {
		t.Errorf("diagram: %v, %.40q", err, b)
	}
}
