package eol

import (
	"encoding/json"
	"fmt"

	"github.com/patchline/patchline/pipeline/calendar"
)

// DateOrBool is endoflife.date's "date or boolean" field. For eol a date is
// the last day of support, false means no date has been announced, and true
// means support has ended on a day nobody recorded.
type DateOrBool struct {
	// Date is set when a date was written.
	Date calendar.Date
	// Bool is the boolean written; it is true when a date was written, so
	// that "is there an end?" is always Bool.
	Bool bool
}

// HasDate reports whether a date was written.
func (v DateOrBool) HasDate() bool { return !v.Date.IsZero() }

// String renders the date, or true or false.
func (v DateOrBool) String() string {
	if v.HasDate() {
		return v.Date.String()
	}
	return fmt.Sprint(v.Bool)
}

// MarshalJSON renders the date as a string, or a JSON boolean, as
// endoflife.date's API does.
func (v DateOrBool) MarshalJSON() ([]byte, error) {
	if v.HasDate() {
		return json.Marshal(v.Date.String())
	}
	return json.Marshal(v.Bool)
}
