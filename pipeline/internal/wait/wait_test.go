package wait

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestForReturnsWhenTheContextIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := For(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("For(cancelled, 1h) = %v, want context.Canceled", err)
	}
	if err := Between(ctx, time.Hour, 2*time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Between(cancelled) = %v, want context.Canceled", err)
	}
	if err := For(context.Background(), 0); err != nil {
		t.Errorf("For(0) = %v", err)
	}
	if err := Between(context.Background(), time.Millisecond, 2*time.Millisecond); err != nil {
		t.Errorf("Between = %v", err)
	}
}
