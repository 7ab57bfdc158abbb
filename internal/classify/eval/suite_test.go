package eval

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify"
)

func TestRunSuite(t *testing.T) {
	m, err := classify.Load()
	if err != nil {
		t.Fatal(err)
	}
	own := []Item{
		{URL: "https://github.com/golang/go/pull/1", Title: "cmd/go: fix build", Activity: activity.Coding},
		{URL: "https://www.weeknightsupper-zz.com/r/1", Title: "Easy lasagna recipe", Summary: "Ingredients and baking time.", Activity: activity.Cooking},
	}
	post := []Item{{URL: "https://www.zzgardenfriends.net/", Title: "How to grow tomatoes", Activity: activity.Gardening}}
	s, err := RunSuite(context.Background(), m, Config{Data: os.DirFS("../data"), Own: own, Post: post})
	if err != nil {
		t.Fatal(err)
	}
	// github.com is in the site table: only the other item is unseen.
	if s.Own.N != 2 || s.OwnUnseen.N != 1 || s.PostUnseen.N != 1 || s.Unseen.N != 2 {
		t.Errorf("N: own %d, own unseen %d, post unseen %d, unseen %d; want 2, 1, 1, 2", s.Own.N, s.OwnUnseen.N, s.PostUnseen.N, s.Unseen.N)
	}
	if len(s.Ablation) != 4 || s.Ablation[1].Name != "domain and path only" {
		t.Errorf("ablation without rebuilds: %d rows", len(s.Ablation))
	}
	var text, md strings.Builder
	if err := s.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteMarkdown(&md, "r.svg"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"domain split", "per-activity recall", "low_confidence"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q", want)
		}
	}
	if !strings.Contains(md.String(), "![reliability diagram](r.svg)") || !strings.Contains(md.String(), "| Gardening |") {
		t.Errorf("markdown:\n%s", md.String())
	}
}
