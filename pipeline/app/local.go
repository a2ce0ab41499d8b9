package app

import "strings"

// LocalAddress is where people reach patchline's local registry: `dagger
// call registry up --ports 5000:5000` forwards it to port 5000 of their
// machine.
const LocalAddress = "localhost:5000"

// localNames rewrites, in a command's output and error, the repository in
// the local registry as module code reaches it (on a service host such as
// k9993bmir6la6:5000, which nothing outside the engine can resolve) into
// the repository people reach, localhost:5000/app. It does nothing when
// the command did not use the local registry.
func localNames(local string, out *string, err *error) {
	if local == "" || local == LocalAddress {
		return
	}
	inside, outside := local+"/"+LocalRepository, LocalAddress+"/"+LocalRepository
	*out = strings.ReplaceAll(*out, inside, outside)
	if *err != nil && strings.Contains((*err).Error(), inside) {
		*err = renamedError{err: *err, msg: strings.ReplaceAll((*err).Error(), inside, outside)}
	}
}

// renamedError is an error with its message rewritten; errors.Is and As
// still see the original.
type renamedError struct {
	err error
	msg string
}

func (e renamedError) Error() string { return e.msg }
func (e renamedError) Unwrap() error { return e.err }

// localRepository is the repository reports name when the image went to
// the local registry, or "" when it did not.
func localRepository(local string) string {
	if local == "" {
		return ""
	}
	return LocalAddress + "/" + LocalRepository
}
