#!/bin/sh
# Compiles buy.c once per user (outside the trial folder, where every file is the store),
# then runs it: exec, so the buyer is the compiled program itself.
set -e
bin="${TMPDIR:-/tmp}/ticketrush-unmodified-c-buy-$(id -u)"
src="$(cd "$(dirname "$0")" && pwd)/buy.c"
if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
    # Outside the trial folder: the compiler's own files there would be store calls too.
    (cd "${TMPDIR:-/tmp}" && cc -O2 -o "$bin.$$" "$src" && mv -f "$bin.$$" "$bin")
fi
exec "$bin" "$@"
