package dockerfile

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseReference(t *testing.T) {
	d := digest('a')
	tests := []struct {
		in      string
		want    string // String()
		key     string
		wantErr bool
	}{
		{in: "debian", want: "docker.io/library/debian:latest", key: "docker.io/library/debian:latest"},
		{in: "debian:bookworm-slim", want: "docker.io/library/debian:bookworm-slim", key: "docker.io/library/debian:bookworm-slim"},
		{in: "docker.io/debian:12", want: "docker.io/library/debian:12", key: "docker.io/library/debian:12"},
		{in: "index.docker.io/library/debian:12", want: "docker.io/library/debian:12", key: "docker.io/library/debian:12"},
		{in: "bitnami/redis:7", want: "docker.io/bitnami/redis:7", key: "docker.io/bitnami/redis:7"},
		{in: "gcr.io/distroless/static-debian12", want: "gcr.io/distroless/static-debian12:latest", key: "gcr.io/distroless/static-debian12:latest"},
		{in: "localhost:5000/app", want: "localhost:5000/app:latest", key: "localhost:5000/app:latest"},
		{in: "localhost:5000/app:v1", want: "localhost:5000/app:v1", key: "localhost:5000/app:v1"},
		{in: "debian:12@" + d, want: "docker.io/library/debian:12@" + d, key: "docker.io/library/debian:12"},
		{in: "debian@" + d, want: "docker.io/library/debian@" + d, key: "docker.io/library/debian@" + d},
		{in: "ghcr.io/o/r/img:1.0@" + d, want: "ghcr.io/o/r/img:1.0@" + d, key: "ghcr.io/o/r/img:1.0"},
		{in: "", wantErr: true},
		{in: "Debian", wantErr: true},
		{in: "debian:", wantErr: true},
		{in: "debian:-x", wantErr: true},
		{in: "/debian", wantErr: true},
		{in: "a//b", wantErr: true},
		{in: "debian:12@sha256:xyz", wantErr: true},
		{in: "debian@" + d + "@" + d, wantErr: true},
		{in: "debian 12", wantErr: true},
		{in: "debian:" + strings.Repeat("x", 129), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseReference(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidReference) {
					t.Fatalf("got %+v, %v; want ErrInvalidReference", r, err)
				}
				if tt.in != "" && !strings.Contains(err.Error(), tt.in) {
					t.Errorf("message %q does not quote the input", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.String() != tt.want || r.Key() != tt.key {
				t.Errorf("String() = %q, Key() = %q; want %q, %q", r.String(), r.Key(), tt.want, tt.key)
			}
			if again, err := ParseReference(r.String()); err != nil || again != r {
				t.Errorf("round trip: %+v, %v", again, err)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	refs := []Reference{
		{Name: "docker.io/library/debian", Tag: "12"},
		{Name: "docker.io/library/debian", Tag: "12", Digest: digest('1')}, // same key
		{Name: "docker.io/library/golang", Tag: "1.26"},
	}
	var calls []string
	ds, err := Resolve(context.Background(), refs, func(_ context.Context, ref string) (string, error) {
		calls = append(calls, ref)
		return fakeDigest(ref), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"docker.io/library/debian:12", "docker.io/library/golang:1.26"}; !slices.Equal(calls, want) {
		t.Errorf("calls = %q, want one per distinct key %q", calls, want)
	}
	if len(ds) != 2 || ds["docker.io/library/golang:1.26"] != fakeDigest("docker.io/library/golang:1.26") {
		t.Errorf("digests = %v", ds)
	}

	boom := errors.New("registry down")
	_, err = Resolve(context.Background(), refs, func(context.Context, string) (string, error) { return "", boom })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "docker.io/library/debian:12") {
		t.Errorf("err = %v, want it to wrap the resolver error and name the reference", err)
	}
	_, err = Resolve(context.Background(), refs, func(context.Context, string) (string, error) { return "latest", nil })
	if !errors.Is(err, ErrInvalidDigest) || !strings.Contains(err.Error(), `"latest"`) {
		t.Errorf("err = %v, want ErrInvalidDigest quoting the value", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Resolve(ctx, refs, func(context.Context, string) (string, error) { return digest('1'), nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestResolveThenPin is the flow the release pipeline runs: report,
// resolve each distinct reference once, pin.
func TestResolveThenPin(t *testing.T) {
	df := mustParse(t, readFile(t, "target.Dockerfile"), WithTarget("test"))
	ds, err := Resolve(context.Background(), df.Report().References, func(_ context.Context, ref string) (string, error) {
		return fakeDigest(ref), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := df.Pin(ds)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || res.Changes[0].Action != ActionPinned {
		t.Fatalf("nothing pinned: %+v", res.Changes)
	}
}
