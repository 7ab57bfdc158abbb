package dial

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/store"
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
	if _, ok := st.(store.Seeder); !ok {
		t.Errorf("%T is not a store.Seeder", st)
	}
}

func TestOpenUnreachableMongoFailsFast(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	// Port 1 on loopback: nothing listens there. The password must not leak.
	_, err := Open(ctx, Config{URI: "mongodb://kleo:s3cr3t@127.0.0.1:1/?directConnection=true", Timeout: 300 * time.Millisecond})
	if err == nil {
		t.Fatal("Open succeeded against a closed port")
	}
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("unreachable server: %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error quotes the URI's password: %v", err)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("Open took %v; the timeout was not applied", time.Since(start))
	}
}
