package rebase

import (
	"maps"
	"reflect"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// mergeConfig returns the runtime config of the rebased image: what a
// rebuild of the same Dockerfile on the new base would have produced.
//
// mutate.Rebase keeps the published image's config as it is. That keeps
// what the application set (its ENV, ENTRYPOINT, CMD, LABEL, WORKDIR,
// USER), but also every value the image merely inherited from the old
// base: an ENV such as PYTHON_VERSION=3.12.1 or a base's version label
// would go on describing the old base after the swap. So each field is
// merged three ways:
//
//   - a value equal to the old base's was inherited: the new base's value
//     replaces it (or its absence removes it);
//   - a value that differs from the old base's was set by the application:
//     it is kept.
//
// Env is merged per variable, in the order a build produces (the new
// base's variables in its order, the application's own overrides in place,
// then the application's new variables in its order); Labels per key;
// ExposedPorts and Volumes are the new base's plus those the application
// added. Cmd follows Docker's rule that setting ENTRYPOINT clears an
// inherited CMD: when the application set its own entrypoint, its Cmd is
// kept as it is. OnBuild triggers are never inherited, so the image's own
// are kept.
//
// One case cannot be told apart from the image alone: a value the
// Dockerfile sets explicitly to exactly the old base's value looks
// inherited, and follows the new base. A value that embeds a base value
// (ENV PATH=/app/bin:$PATH) is the application's and keeps the old
// expansion. Rebuild when either matters.
func mergeConfig(old, app, nu v1.Config) v1.Config {
	out := *app.DeepCopy()
	out.Env = mergeEnv(old.Env, app.Env, nu.Env)
	out.Labels = mergeMap(old.Labels, app.Labels, nu.Labels)
	out.ExposedPorts = mergeSet(old.ExposedPorts, app.ExposedPorts, nu.ExposedPorts)
	out.Volumes = mergeSet(old.Volumes, app.Volumes, nu.Volumes)

	ownEntrypoint := !slices.Equal(app.Entrypoint, old.Entrypoint)
	out.Entrypoint = inherit(old.Entrypoint, app.Entrypoint, nu.Entrypoint, slices.Equal)
	if !ownEntrypoint {
		out.Cmd = inherit(old.Cmd, app.Cmd, nu.Cmd, slices.Equal)
	}
	out.Shell = inherit(old.Shell, app.Shell, nu.Shell, slices.Equal)
	out.Healthcheck = inherit(old.Healthcheck, app.Healthcheck, nu.Healthcheck, func(a, b *v1.HealthConfig) bool {
		return reflect.DeepEqual(a, b)
	})
	out.User = inherit(old.User, app.User, nu.User, eq)
	out.WorkingDir = inherit(old.WorkingDir, app.WorkingDir, nu.WorkingDir, eq)
	out.StopSignal = inherit(old.StopSignal, app.StopSignal, nu.StopSignal, eq)
	out.Hostname = inherit(old.Hostname, app.Hostname, nu.Hostname, eq)
	out.Domainname = inherit(old.Domainname, app.Domainname, nu.Domainname, eq)
	out.Image = inherit(old.Image, app.Image, nu.Image, eq)
	out.MacAddress = inherit(old.MacAddress, app.MacAddress, nu.MacAddress, eq)
	out.AttachStdin = inherit(old.AttachStdin, app.AttachStdin, nu.AttachStdin, eq)
	out.AttachStdout = inherit(old.AttachStdout, app.AttachStdout, nu.AttachStdout, eq)
	out.AttachStderr = inherit(old.AttachStderr, app.AttachStderr, nu.AttachStderr, eq)
	out.OpenStdin = inherit(old.OpenStdin, app.OpenStdin, nu.OpenStdin, eq)
	out.StdinOnce = inherit(old.StdinOnce, app.StdinOnce, nu.StdinOnce, eq)
	out.Tty = inherit(old.Tty, app.Tty, nu.Tty, eq)
	out.ArgsEscaped = inherit(old.ArgsEscaped, app.ArgsEscaped, nu.ArgsEscaped, eq)
	out.NetworkDisabled = inherit(old.NetworkDisabled, app.NetworkDisabled, nu.NetworkDisabled, eq)
	// out.OnBuild stays the image's own: a child never inherits ONBUILD.
	return out
}

func eq[T comparable](a, b T) bool { return a == b }

// inherit returns the new base's value when the image's value is the old
// base's (inherited), and the image's own value otherwise.
func inherit[T any](old, app, nu T, equal func(a, b T) bool) T {
	if equal(app, old) {
		return nu
	}
	return app
}

// mergeEnv merges KEY=VALUE lists as described on mergeConfig.
func mergeEnv(old, app, nu []string) []string {
	oldVals := envMap(old)
	type kv struct{ k, v string }
	var own []kv
	for _, e := range app {
		k, v := splitEnv(e)
		if ov, ok := oldVals[k]; ok && ov == v {
			continue // inherited
		}
		own = append(own, kv{k, v})
	}
	out := slices.Clone(nu)
	for _, o := range own {
		i := slices.IndexFunc(out, func(e string) bool { k, _ := splitEnv(e); return k == o.k })
		if i >= 0 {
			out[i] = o.k + "=" + o.v
		} else {
			out = append(out, o.k+"="+o.v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func splitEnv(e string) (k, v string) {
	k, v, _ = strings.Cut(e, "=")
	return k, v
}

func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, e := range env {
		k, v := splitEnv(e)
		m[k] = v
	}
	return m
}

// mergeMap merges label maps as described on mergeConfig.
func mergeMap(old, app, nu map[string]string) map[string]string {
	out := maps.Clone(nu)
	for k, v := range app {
		if ov, ok := old[k]; ok && ov == v {
			continue // inherited
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// mergeSet returns the new base's set plus what the image added to the old
// base's. A Dockerfile cannot remove an exposed port or a volume, so
// anything the old base had and the new base dropped goes.
func mergeSet(old, app, nu map[string]struct{}) map[string]struct{} {
	out := maps.Clone(nu)
	for k := range app {
		if _, inherited := old[k]; inherited {
			continue
		}
		if out == nil {
			out = map[string]struct{}{}
		}
		out[k] = struct{}{}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
