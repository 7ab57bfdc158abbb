package eval

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify"
)

// byTitle classifies an item as the activity named by its title.
type byTitle struct{}

func (byTitle) Classify(_ context.Context, in classify.Input) classify.Result {
	return classify.Result{Activity: activity.Activity(in.Title), Confidence: 1}
}

func TestRun(t *testing.T) {
	items := []Item{
		{Title: "Cooking", Activity: activity.Cooking},
		{Title: "Cooking", Activity: activity.Cooking},
		{Title: "Music", Activity: activity.Cooking},
		{Title: "Music", Activity: activity.Music},
	}
	r := Run(context.Background(), byTitle{}, items)
	if r.N != 4 || r.Correct != 3 || r.Accuracy != 0.75 {
		t.Errorf("N, Correct, Accuracy = %d, %d, %v; want 4, 3, 0.75", r.N, r.Correct, r.Accuracy)
	}
	// Cooking: P=1, R=2/3, F1=0.8. Music: P=1/2, R=1, F1=2/3.
	if want := (0.8 + 2.0/3) / 2; math.Abs(r.MacroF1-want) > 1e-9 {
		t.Errorf("MacroF1 = %v, want %v", r.MacroF1, want)
	}
	if len(r.Confusions) != 1 || r.Confusions[0] != (Confusion{activity.Cooking, activity.Music, 1}) {
		t.Errorf("Confusions = %v", r.Confusions)
	}
	var b strings.Builder
	if err := r.WriteMarkdown(&b, 5); err != nil || !strings.Contains(b.String(), "| 1 | Cooking | Music |") {
		t.Errorf("WriteMarkdown = %v:\n%s", err, b.String())
	}
}

func TestRead(t *testing.T) {
	items, err := Read(strings.NewReader(`{"url":"u","title":"t","summary":"s","activity":"Pets"}` + "\n\n"))
	if err != nil || len(items) != 1 || items[0].Activity != activity.Pets {
		t.Fatalf("Read = %v, %v", items, err)
	}
	if _, err := Read(strings.NewReader(`{"title":"t","activity":"Knitting"}`)); !errors.Is(err, ErrLabel) {
		t.Errorf("unknown label: err = %v, want ErrLabel", err)
	}
	if _, err := Read(strings.NewReader(`{`)); err == nil {
		t.Error("malformed JSON: no error")
	}
}

func TestSplice(t *testing.T) {
	doc := "# T\n\n" + BeginMarker + "\nold\n" + EndMarker + "\ntail\n"
	got, err := Splice(doc, "new\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "# T\n\n" + BeginMarker + "\nnew\n" + EndMarker + "\ntail\n"; got != want {
		t.Errorf("Splice = %q, want %q", got, want)
	}
	if _, err := Splice("no markers", "x"); !errors.Is(err, ErrNoMarkers) {
		t.Errorf("err = %v, want ErrNoMarkers", err)
	}
}
