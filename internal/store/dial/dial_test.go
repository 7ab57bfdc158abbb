package dial

import (
	"context"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

func TestOpenChoosesTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, Config{Dir: t.TempDir(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	if _, ok := st.(*embedded.Store); !ok {
		t.Errorf("no URI: got %T, want *embedded.Store", st)
	}
}

func TestOpenUnreachableMongoFailsFast(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	// Port 1 on loopback: nothing listens there.
	_, err := Open(ctx, Config{URI: "mongodb://127.0.0.1:1/?directConnection=true", Database: "kleo", Timeout: 300 * time.Millisecond})
	if err == nil {
		t.Fatal("Open succeeded against a closed port")
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("Open took %v; the timeout was not applied", time.Since(start))
	}
}
