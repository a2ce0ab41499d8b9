package dockerfile

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestLargeInputs covers inputs that once made parsing quadratic (long
// continuations, many references on one line) and a pin that would push a
// line past BuildKit's line limit, which must be refused, not written.
func TestLargeInputs(t *testing.T) {
	var stages strings.Builder
	stages.WriteString("FROM alpine:3.22 AS s0\n")
	for i := 1; i < 500; i++ {
		fmt.Fprintf(&stages, "FROM s%d AS s%d\n", i-1, i)
	}
	tests := []struct {
		name string
		src  string
		want error
	}{
		{"long continuation", "FROM \\\n" + strings.Repeat("  \\\n", 20000) + "alpine\n", nil},
		{"many FROMs", strings.Repeat("FROM alpine:3\n", 2000), nil},
		{"many ARGs", strings.Repeat("ARG A=b\n", 2000) + "FROM $A\n", nil},
		{"stage chain", stages.String(), nil},
		{"many mounts", "FROM alpine\nRUN " + strings.Repeat("--mount=from=busybox:1,target=/x ", 300) + "true\n", nil},
		{"pin past the line limit", "FROM alpine\nRUN " + strings.Repeat("--mount=from=busybox:1,target=/x ", 1000) + "true\n", ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			df := mustParse(t, []byte(tt.src))
			res, err := df.Pin(digestsForAll(df))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Pin: %v, want %v", err, tt.want)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "Dockerfile:2:") || !strings.Contains(err.Error(), "line continuations") {
					t.Errorf("message %q does not locate and explain the problem", err)
				}
				return
			}
			checkOnlyReferenceLines(t, []byte(tt.src), res.Dockerfile)
		})
	}
}
