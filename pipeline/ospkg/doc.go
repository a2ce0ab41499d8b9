// Package ospkg asks an image's own package manager which OS packages it
// would upgrade, without an engine: it decides what to read and run in the
// image (Plan), and reads what came back (Parse). Running the commands is
// the caller's job — a container step started from the published image
// (pipeline/daggerbuild) — so every rule here is tested from recorded
// outputs kept in testdata.
//
// The distribution comes from /etc/os-release, the package manager from
// the binaries the image has:
//
//   - apt (Debian, Ubuntu): apt-get update, then apt-get -s upgrade; an
//     update is a security update when the version apt would install comes
//     from the distribution's security suite (Debian-Security, or a suite
//     named *-security). Held packages (apt-mark showhold) and packages
//     apt keeps back are listed and not counted.
//   - apk (Alpine): apk update, then apk upgrade --simulate. Alpine ships
//     security fixes in the same repositories as everything else and apk
//     has no security filter; a stable branch (v3.x) only receives
//     security and severe bug fixes, so there every upgrade counts as a
//     security update, while on edge none does (refresh.packages: all
//     still rebuilds for them). Packages pinned in /etc/apk/world
//     (name=version) are held.
//   - dnf (Fedora, RHEL-likes, Amazon Linux): dnf check-update, and again
//     with --security, which keeps the updates an advisory of type
//     security lists; installed versions come from rpm. Version locks
//     (dnf versionlock) are held.
//   - microdnf (minimal RHEL-like images): microdnf upgrade --assumeno
//     prints the transaction without running it. microdnf has no advisory
//     filter, so every update counts as a security update.
//
// An image with none of them (distroless, scratch) cannot be checked; that
// is a status, not a failure. A check that could not reach the
// distribution's mirrors, or that the manager refused, is an error: apt
// and dnf otherwise report "no updates" for lists they never downloaded.
package ospkg
