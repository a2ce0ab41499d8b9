package platform

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, ok := range []string{"linux/amd64", "linux/arm64", "linux/arm64/v8", "linux/arm/v7", "windows/amd64", "linux/amd64/v3"} {
		p, err := Parse(ok)
		if err != nil || p.String() != ok {
			t.Errorf("Parse(%q) = %q, %v; want it as written", ok, p, err)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"linux", "os/arch"},
		{"linux/amd64/v2/x", "os/arch"},
		{"linux/amd46", "did you mean linux/amd64"},
		{"plan9/amd64", `unknown os "plan9"`},
		{"linux/arm", "needs a variant"},
		{"linux/arm64/v9", `has no variant "v9"`},
		{"Linux/amd64", `unknown os "Linux"`},
		{"linux/x86_64", `unknown architecture "x86_64"`},
	} {
		if _, err := Parse(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v; want an error saying %q", tc.in, err, tc.want)
		}
	}
}

func TestParseList(t *testing.T) {
	ps, err := ParseList("--platform", []string{"linux/amd64", "linux/arm64/v8"})
	if err != nil || len(ps) != 2 || ps[1] != (Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}) {
		t.Fatalf("ParseList = %v, %v", ps, err)
	}
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"linux/amd64", "linux/amd64"}, "--platform linux/amd64 is given twice"},
		{[]string{"linux/arm64", "linux/arm64/v8"}, "linux/arm64 and linux/arm64/v8 name the same platform"},
		{[]string{"linux/amd46"}, "--platform platform \"linux/amd46\""},
	} {
		if _, err := ParseList("--platform", tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseList(%q) = %v; want an error saying %q", tc.in, err, tc.want)
		}
	}
}

func TestParseSpecifier(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "linux/amd64", want: "linux/amd64"},
		{in: "linux/arm64/v8", want: "linux/arm64/v8"},
		{in: "Linux/x86_64", want: "linux/amd64"},
		{in: "linux/armhf", want: "linux/arm/v7"},
		{in: "arm64", want: "linux/arm64"},
		{in: "windows", want: "windows/amd64"},
		{in: "windows(10.0.17763)/amd64", want: "windows(10.0.17763)/amd64"},
		{in: "", wantErr: true},
		{in: "linux/", wantErr: true},
		{in: "linux/amd64/v8/x", wantErr: true},
		{in: "linux/am d64", wantErr: true},
		{in: "nonsense", wantErr: true},
		{in: "linux/*", wantErr: true},
	}
	for _, tt := range tests {
		p, err := ParseSpecifier(tt.in)
		if tt.wantErr {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%q: got %v, %v; want ErrInvalid", tt.in, p, err)
			}
			continue
		}
		if err != nil || p.String() != tt.want {
			t.Errorf("%q: got %q, %v; want %q", tt.in, p.String(), err, tt.want)
		}
	}
}

func TestKey(t *testing.T) {
	a, _ := Parse("linux/arm64")
	b, _ := Parse("linux/arm64/v8")
	c, _ := Parse("linux/arm/v7")
	if a.Key() != b.Key() || a.Key() == c.Key() {
		t.Errorf("keys %q, %q, %q: want arm64 and arm64/v8 alike, arm/v7 apart", a.Key(), b.Key(), c.Key())
	}
}

func TestSame(t *testing.T) {
	amd64 := Platform{OS: "linux", Architecture: "amd64"}
	arm64 := Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	for _, tc := range []struct {
		a, b Platform
		want bool
	}{
		{amd64, amd64, true},
		{amd64, arm64, false},
		{arm64, Platform{OS: "linux", Architecture: "arm64"}, true},
		{Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, Platform{OS: "linux", Architecture: "arm", Variant: "v6"}, false},
		{Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, Platform{OS: "linux", Architecture: "arm"}, true},
		{Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.17763.1"}, Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.1"}, false},
		{amd64, Platform{OS: "windows", Architecture: "amd64"}, false},
	} {
		if got := Same(tc.a, tc.b); got != tc.want {
			t.Errorf("Same(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
