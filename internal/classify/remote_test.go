package classify_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify"
)

// fakeLocal answers from a table keyed by title, so the test controls which
// items are low-confidence.
type fakeLocal map[string]classify.Result

func (f fakeLocal) Classify(_ context.Context, in classify.Input) classify.Result { return f[in.Title] }

// fakeRemote records its calls and answers Webinars, or fails.
type fakeRemote struct {
	mu    sync.Mutex
	calls []classify.Input
	err   error
}

func (f *fakeRemote) Classify(_ context.Context, in classify.Input) (classify.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, in)
	if f.err != nil {
		return classify.Result{}, f.err
	}
	return classify.Result{Activity: activity.Webinars, Confidence: 0.9}, nil
}

func TestCascade(t *testing.T) {
	sure := classify.Result{Activity: activity.Cooking, Confidence: 0.95}
	unsure := classify.Result{Activity: activity.News, Confidence: 0.2, Low: true}
	local := fakeLocal{"Lasagna": sure, "Quarterly update": unsure, "Other talk": unsure}
	remote := &fakeRemote{}
	c, err := classify.NewCascade(local, remote, 16)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	if got := c.Classify(ctx, classify.Input{URL: "https://food.example.com/lasagna", Title: "Lasagna"}); got != sure {
		t.Errorf("confident item: got %+v, want the local result", got)
	}
	if len(remote.calls) != 0 {
		t.Fatalf("a confident item reached the remote classifier")
	}

	steps := []struct {
		in        classify.Input
		wantCalls int
	}{
		{classify.Input{URL: "https://www.example.co.uk/events/q3", Title: "Quarterly update"}, 1},
		// Same registrable domain and title from another host and path: cached.
		{classify.Input{URL: "https://events.example.co.uk/replay", Title: "Quarterly update"}, 1},
		{classify.Input{Domain: "example.co.uk", Title: "Quarterly update"}, 1},
		// Another title or another domain is another key.
		{classify.Input{URL: "https://www.example.co.uk/events/q3", Title: "Other talk"}, 2},
		{classify.Input{URL: "https://other.example/events/q3", Title: "Quarterly update"}, 3},
	}
	for i, s := range steps {
		got := c.Classify(ctx, s.in)
		if got.Activity != activity.Webinars {
			t.Errorf("step %d: got %+v, want the remote answer", i, got)
		}
		if len(remote.calls) != s.wantCalls {
			t.Errorf("step %d: %d remote calls, want %d", i, len(remote.calls), s.wantCalls)
		}
	}
}

func TestCascadeKeepsLocalResultWhenRemoteFails(t *testing.T) {
	unsure := classify.Result{Activity: activity.News, Confidence: 0.2, Low: true}
	remote := &fakeRemote{err: errors.New("endpoint down")}
	c, err := classify.NewCascade(fakeLocal{"x": unsure}, remote, 4)
	if err != nil {
		t.Fatal(err)
	}
	in := classify.Input{URL: "https://a.example/", Title: "x"}
	for i := 0; i < 2; i++ {
		if got := c.Classify(context.Background(), in); got != unsure {
			t.Errorf("call %d: got %+v, want the local result", i, got)
		}
	}
	// Failures are not cached: the remote is asked again next time.
	if len(remote.calls) != 2 {
		t.Errorf("%d remote calls, want 2", len(remote.calls))
	}
}

type badRemote struct{}

func (badRemote) Classify(context.Context, classify.Input) (classify.Result, error) {
	return classify.Result{Activity: "Knitting circles", Confidence: 1}, nil
}

func TestCascadeRejectsUnknownActivities(t *testing.T) {
	unsure := classify.Result{Activity: activity.News, Confidence: 0.2, Low: true}
	c, err := classify.NewCascade(fakeLocal{"x": unsure}, badRemote{}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Classify(context.Background(), classify.Input{Title: "x"}); got != unsure {
		t.Errorf("got %+v, want the local result", got)
	}
}

func TestCascadeWithModel(t *testing.T) {
	remote := &fakeRemote{}
	c, err := classify.NewCascade(load(t), remote, 4)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Classify(context.Background(), classify.Input{URL: "https://github.com/golang/go"})
	if got.Activity != activity.Coding || len(remote.calls) != 0 {
		t.Errorf("got %+v with %d remote calls, want Coding locally", got, len(remote.calls))
	}
	if _, err := classify.NewCascade(load(t), remote, 0); err == nil {
		t.Error("NewCascade with size 0 succeeded, want an error")
	}
}
