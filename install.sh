#!/usr/bin/env bash
# Builds the release binaries, strips them and installs both into PREFIX/bin (README,
# "Installing the fast binary"). ticketrush-engines must sit beside ticketrush: a run that needs a database
# client continues in it.
#
#   ./install.sh [--no-build] [PREFIX]     PREFIX defaults to ~/.local (binaries in ~/.local/bin)
#
# --no-build installs what `swift build -c release` already made (CI builds as one user and
# installs as another, who cannot write .build/).
# Exit codes: 0 installed; 1 the build, strip or copy failed; 2 bad usage.
set -euo pipefail

build=1
prefix=""
for arg in "$@"; do
    case "$arg" in
        --no-build) build=0 ;;
        -h|--help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "install.sh: error: unknown option $arg (usage: ./install.sh [--no-build] [PREFIX])" >&2; exit 2 ;;
        *) [ -z "$prefix" ] || { echo "install.sh: error: more than one PREFIX ($prefix, $arg)" >&2; exit 2; }
           prefix="$arg" ;;
    esac
done
: "${prefix:=${HOME:?install.sh: error: HOME is not set; name a PREFIX}/.local}"
# A relative PREFIX is the caller's, not the checkout's.
case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac
cd "$(dirname "$0")"

if [ "$build" -eq 1 ]; then
    swift build -c release
fi
# The default scratch path's release folder (a symlink SwiftPM keeps to the platform's).
built="$PWD/.build/release"
for name in ticketrush ticketrush-engines; do
    [ -x "$built/$name" ] || { echo "install.sh: error: $built/$name is missing: run swift build -c release (or drop --no-build)" >&2; exit 1; }
done

command -v strip >/dev/null || { echo "install.sh: error: strip not found: install binutils" >&2; exit 1; }
bin="$prefix/bin"
mkdir -p "$bin"
# Stripped copies: the symbol tables are a third of each file and nothing reads them at
# run time. Written beside the target and renamed, so a running ticketrush is not truncated.
for name in ticketrush ticketrush-engines; do
    strip -o "$bin/.$name.new" "$built/$name"
    chmod 755 "$bin/.$name.new"
    mv -f "$bin/.$name.new" "$bin/$name"
done
"$bin/ticketrush" --version >/dev/null
echo "installed ticketrush and ticketrush-engines $("$bin/ticketrush" --version) in $bin"
ls -l "$bin/ticketrush" "$bin/ticketrush-engines"

case ":${PATH:-}:" in
    *":$bin:"*) echo "$bin is on PATH: run ticketrush --help" ;;
    *) echo "$bin is not on PATH; add it (to ~/.profile or your shell's rc file) with:"
       echo "    export PATH=\"$bin:\$PATH\""
       echo "or run $bin/ticketrush directly." ;;
esac
