#!/usr/bin/env bash
# Builds a Debian package of both release binaries from this tree, with dpkg-deb:
#
#   packaging/build-deb.sh [--no-build] [OUTDIR]     OUTDIR defaults to packaging/out
#
# It prints the .deb's path last. `sudo apt install ./ticketrush_*.deb` installs
# /usr/bin/ticketrush and /usr/bin/ticketrush-engines (.ci/run installs it and runs both).
# The database clients are loaded at run time by the names their -dev packages provide
# (docs/storage.md), so they and the servers are Suggests, not Depends.
# Exit codes: 0 built; 1 the build or packaging failed; 2 bad usage.
set -euo pipefail

build=1
out=""
for arg in "$@"; do
    case "$arg" in
        --no-build) build=0 ;;
        -*) echo "build-deb.sh: error: unknown option $arg (usage: packaging/build-deb.sh [--no-build] [OUTDIR])" >&2; exit 2 ;;
        *) [ -z "$out" ] || { echo "build-deb.sh: error: more than one OUTDIR ($out, $arg)" >&2; exit 2; }
           out="$arg" ;;
    esac
done
: "${out:=$(dirname "$0")/out}"
# A relative OUTDIR is the caller's, not the checkout's.
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
cd "$(dirname "$0")/.."
for tool in dpkg-deb dpkg-shlibdeps strip; do
    command -v "$tool" >/dev/null || { echo "build-deb.sh: error: $tool not found (dpkg-dev, binutils)" >&2; exit 1; }
done

[ "$build" -eq 0 ] || swift build -c release
built="$PWD/.build/release"
version="$("$built/ticketrush" --version)"
arch="$(dpkg --print-architecture)"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/ticketrush_${version}_$arch"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/doc/ticketrush"
for name in ticketrush ticketrush-engines; do
    strip -o "$root/usr/bin/$name" "$built/$name"
    chmod 755 "$root/usr/bin/$name"
done
install -m 644 README.md "$root/usr/share/doc/ticketrush/README.md"

# ticketrush is fully static; ticketrush-engines links glibc, libstdc++ and libgcc_s
# dynamically: dpkg-shlibdeps names their packages and minimum versions.
install -d "$stage/debian"
printf 'Source: ticketrush\n\nPackage: ticketrush\nArchitecture: any\n' > "$stage/debian/control"
depends="$(cd "$stage" && dpkg-shlibdeps -O "$root/usr/bin/ticketrush-engines" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
[ -n "$depends" ] || { echo "build-deb.sh: error: dpkg-shlibdeps found no dependencies of ticketrush-engines" >&2; exit 1; }

cat > "$root/DEBIAN/control" <<EOF
Package: ticketrush
Version: $version
Architecture: $arch
Maintainer: TicketRush developers <ticketrush@localhost>
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Depends: $depends
Suggests: libsqlite3-dev, libpq-dev, libhiredis-dev, libmariadb-dev, postgresql, redis-server, mariadb-server
Section: devel
Priority: optional
Description: fork real buyer processes at one ticket store and judge what they did
 ticketrush runs ticket-rush scenarios (YAML): one real OS process per buyer
 against a JSON file, SQLite, PostgreSQL or Redis store; it judges invariants
 on the recorded history and writes JUnit, CSV, JSON and HTML reports.
 ticketrush-engines is the same tool linked dynamically, for the database clients.
EOF

mkdir -p "$out"
# gzip: xz took 118 s here against 32 s for a third less (32 MB, not 48); every dpkg reads gzip.
dpkg-deb --root-owner-group -Zgzip --build "$root" "$out" >/dev/null
echo "$out/ticketrush_${version}_$arch.deb"
