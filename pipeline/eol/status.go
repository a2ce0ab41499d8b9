package eol

import (
	"fmt"
	"time"

	"github.com/patchline/patchline/pipeline/calendar"
)

// State is the verdict on a base image's support.
type State string

// States, from good to bad; unknown is its own kind.
const (
	// StateOK: supported beyond the warning window, or no end is announced.
	StateOK State = "ok"
	// StateWarning: the end of life is within the warning window, or today.
	StateWarning State = "warning"
	// StateEOL: past end of life; the publisher no longer patches the image.
	StateEOL State = "eol"
	// StateUnknown: the table cannot place the image.
	StateUnknown State = "unknown"
)

// Verdict is the status of one base image on one day.
type Verdict struct {
	State State `json:"state"`
	// DaysLeft counts days from today to the EOL date: 0 on the EOL day
	// itself, negative once past. It is 0 when there is no date.
	DaysLeft int `json:"days_left"`
	// Message is the sentence a report prints.
	Message string `json:"message"`
}

// Status judges a match on a given day. today is injected (no clock is
// read here) and its calendar day is taken in its own location. warnDays
// is the warning window: a cycle warns from warnDays days before its EOL
// date, and always on the EOL day itself, which is the last day of
// support; the day after, it is past end of life. A negative warnDays is
// taken as 0.
func Status(m Match, today time.Time, warnDays int) Verdict {
	if !m.Known {
		msg := m.Reason
		if msg == "" {
			msg = "no end-of-life data"
			if m.Ref != "" {
				msg = "no end-of-life data for " + m.Ref
			}
		}
		return Verdict{State: StateUnknown, Message: msg}
	}
	warnDays = max(warnDays, 0)
	label := m.Label()
	eol := m.Cycle.EOL
	switch {
	case !eol.HasDate() && eol.Bool:
		return Verdict{State: StateEOL, Message: fmt.Sprintf("%s has reached end of life (the day is not recorded): move to a supported base", label)}
	case !eol.HasDate():
		return Verdict{State: StateOK, Message: fmt.Sprintf("%s has no end-of-life date announced", label)}
	}
	left := calendar.DateOf(today).DaysUntil(eol.Date)
	v := Verdict{DaysLeft: left}
	switch {
	case left < 0:
		v.State = StateEOL
		v.Message = fmt.Sprintf("%s reached end of life on %s, %s ago: move to a supported base", label, eol.Date, days(-left))
	case left == 0:
		v.State = StateWarning
		v.Message = fmt.Sprintf("%s reaches end of life today, %s: move to a supported base", label, eol.Date)
	case left <= warnDays:
		v.State = StateWarning
		v.Message = fmt.Sprintf("%s reaches end of life on %s, in %s", label, eol.Date, days(left))
	default:
		v.State = StateOK
		v.Message = fmt.Sprintf("%s reaches end of life on %s, in %s", label, eol.Date, days(left))
	}
	return v
}

func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
