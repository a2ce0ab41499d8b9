package dockerfile

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// csvFields splits a --mount value into its comma-separated fields. BuildKit
// reads the value as one CSV record (quotes allowed around a field); the
// standard library's reader does the same without another dependency.
func csvFields(s string) ([]string, error) {
	r := csv.NewReader(strings.NewReader(s))
	r.FieldsPerRecord = -1
	fields, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	return fields, err
}
