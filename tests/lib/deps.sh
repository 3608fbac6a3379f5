#!/bin/sh
# Installs the Debian packages xetl needs to build, test and run its demo
# (with the argument `fuzz`, also what make fuzz needs), when they are
# missing.  As root it runs apt-get itself; otherwise it prints the one
# command to run and fails.
set -eu
PKGS="gcc make pkg-config libc6-dev libpq-dev libcsv-dev libcurl4-openssl-dev libxlsxwriter-dev libgsl-dev
libjansson-dev libcmocka-dev postgresql python3 python3-openpyxl python3-aiosmtpd ca-certificates time strace"
# `deps.sh fuzz` (make fuzz): clang and its libFuzzer runtime as well.
[ "${1:-}" = fuzz ] && PKGS="$PKGS clang libclang-rt-14-dev"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "xetl: installing missing Debian packages:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2
else
    echo "xetl: missing Debian packages; run as root:" >&2
    echo "  apt-get install$missing" >&2
    exit 1
fi
