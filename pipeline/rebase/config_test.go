package rebase

import (
	"reflect"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestMergeConfig(t *testing.T) {
	old := v1.Config{
		Env:          []string{"PATH=/usr/bin", "LANG=C.UTF-8", "PY=3.12.1"},
		Labels:       map[string]string{"version": "12.1", "vendor": "Debian"},
		Cmd:          []string{"python3"},
		WorkingDir:   "/",
		ExposedPorts: map[string]struct{}{"22/tcp": {}},
		StopSignal:   "SIGTERM",
	}
	nu := v1.Config{
		Env:          []string{"PATH=/usr/bin", "PY=3.12.2", "TZ=UTC"}, // LANG dropped, PY moved, TZ new
		Labels:       map[string]string{"version": "12.2", "vendor": "Debian"},
		Cmd:          []string{"python3", "-I"},
		Entrypoint:   []string{"/docker-entrypoint.sh"},
		WorkingDir:   "/srv",
		ExposedPorts: map[string]struct{}{"2222/tcp": {}},
		StopSignal:   "SIGQUIT",
	}
	for _, tc := range []struct {
		name string
		app  v1.Config
		want v1.Config
	}{
		{
			name: "everything inherited follows the new base",
			app:  old,
			want: nu,
		},
		{
			name: "the app's own values are kept",
			app: v1.Config{
				Env:          []string{"PATH=/app/bin:/usr/bin", "LANG=C.UTF-8", "PY=3.12.1", "APP=1"},
				Labels:       map[string]string{"version": "1.6.0", "vendor": "Debian", "title": "app"},
				Cmd:          []string{"serve"},
				WorkingDir:   "/app",
				User:         "65532",
				ExposedPorts: map[string]struct{}{"22/tcp": {}, "8080/tcp": {}},
				StopSignal:   "SIGTERM",
			},
			want: v1.Config{
				// The app's PATH override in place, its APP appended.
				Env:          []string{"PATH=/app/bin:/usr/bin", "PY=3.12.2", "TZ=UTC", "APP=1"},
				Labels:       map[string]string{"version": "1.6.0", "vendor": "Debian", "title": "app"},
				Cmd:          []string{"serve"},
				Entrypoint:   []string{"/docker-entrypoint.sh"},
				WorkingDir:   "/app",
				User:         "65532",
				ExposedPorts: map[string]struct{}{"2222/tcp": {}, "8080/tcp": {}},
				StopSignal:   "SIGQUIT",
			},
		},
		{
			name: "an own entrypoint keeps the app's cmd, even none",
			app: v1.Config{
				Env:          old.Env,
				Labels:       old.Labels,
				Entrypoint:   []string{"/app/server"},
				WorkingDir:   "/",
				ExposedPorts: old.ExposedPorts,
				StopSignal:   "SIGTERM",
			},
			want: v1.Config{
				Env:          nu.Env,
				Labels:       nu.Labels,
				Entrypoint:   []string{"/app/server"},
				WorkingDir:   "/srv",
				ExposedPorts: nu.ExposedPorts,
				StopSignal:   "SIGQUIT",
			},
		},
		{
			name: "onbuild triggers are the app's own",
			app:  withOnBuild(old, "RUN make"),
			want: withOnBuild(nu, "RUN make"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mergeConfig(old, tc.app, nu)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("mergeConfig\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func withOnBuild(c v1.Config, triggers ...string) v1.Config {
	c.OnBuild = triggers
	return c
}

func TestSamePlatform(t *testing.T) {
	for _, tc := range []struct {
		a, b v1.Platform
		want bool
	}{
		{amd64, amd64, true},
		{amd64, arm64, false},
		{arm64, v1.Platform{OS: "linux", Architecture: "arm64"}, true},
		{v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, v1.Platform{OS: "linux", Architecture: "arm", Variant: "v6"}, false},
		{v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, v1.Platform{OS: "linux", Architecture: "arm"}, true},
		{v1.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.17763.1"}, v1.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.1"}, false},
		{amd64, v1.Platform{OS: "windows", Architecture: "amd64"}, false},
	} {
		if got := samePlatform(tc.a, tc.b); got != tc.want {
			t.Errorf("samePlatform(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestAppHistory(t *testing.T) {
	l := func(by string) v1.History { return v1.History{CreatedBy: by} }
	e := func(by string) v1.History { return v1.History{CreatedBy: by, EmptyLayer: true} }
	base := []v1.History{l("b0"), l("b1"), e("CMD")}
	for _, tc := range []struct {
		name       string
		app        []v1.History
		appLayers  int
		wantByWhat []string
	}{
		{"prefix copied", []v1.History{l("b0"), l("b1"), e("CMD"), e("ENV"), l("a0")}, 1, []string{"ENV", "a0"}},
		{"base entries rewritten", []v1.History{l("x0"), l("x1"), e("ENV"), l("a0")}, 1, []string{"ENV", "a0"}},
		{"no history", nil, 2, []string{"", ""}},
		{"too few entries", []v1.History{l("a0")}, 2, []string{"", ""}},
		{"no app layers", []v1.History{l("b0"), l("b1"), e("CMD")}, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := appHistory(base, tc.app, 2, tc.appLayers)
			var by []string
			for _, h := range got {
				by = append(by, h.CreatedBy)
			}
			if !reflect.DeepEqual(by, tc.wantByWhat) {
				t.Errorf("appHistory = %q, want %q", by, tc.wantByWhat)
			}
			if nonEmpty(got) != tc.appLayers {
				t.Errorf("%d layer entries for %d layers", nonEmpty(got), tc.appLayers)
			}
		})
	}
}
