// Package report renders results for people and for programs: a readable
// table by default, JSON with --format json. Rendering is the last step;
// nothing here decides anything.
package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// LocalHint is the command that opens patchline's local registry to the
// machine running dagger, at localhost:5000.
const LocalHint = "dagger call registry up --ports 5000:5000"

// ErrFormat is returned for an output format that does not exist.
var ErrFormat = errors.New("unknown output format")

// Format is an output format.
type Format string

// Output formats.
const (
	Table Format = "table"
	JSON  Format = "json"
)

// ParseFormat checks a --format value; "" means table.
func ParseFormat(s string) (Format, error) {
	switch Format(strings.ToLower(s)) {
	case "", Table:
		return Table, nil
	case JSON:
		return JSON, nil
	}
	return "", fmt.Errorf("%w %s: use table or json", ErrFormat, safetext.Quote(s))
}

// Tabler is implemented by results that can print themselves as a table.
type Tabler interface {
	WriteTable(w io.Writer) error
}

// Render renders v in format f. JSON is indented and ends with a newline.
func Render(f Format, v Tabler) (string, error) {
	var buf bytes.Buffer
	switch f {
	case JSON:
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return "", err
		}
	default:
		if err := v.WriteTable(&buf); err != nil {
			return "", err
		}
	}
	return buf.String(), nil
}

// Columns writes aligned rows; the first row is the header.
func Columns(w io.Writer, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		if _, err := fmt.Fprintln(tw, strings.Join(r, "\t")); err != nil {
			return err
		}
	}
	return tw.Flush()
}

// YesNo renders a boolean for a table.
func YesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
