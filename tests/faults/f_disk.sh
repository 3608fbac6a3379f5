#!/bin/sh
# f_disk.sh — the report directory filling up (a small tmpfs: needs root to
# mount, as CI runs) and the file size limit (`ulimit -f`) while a nightly
# writes its reports: 74 with one clear line, the run row closed, every file
# under a final name complete (byte-identical to the clean run's, the XLSX a
# whole zip), no temp file left; a rerun with room ends as the clean run.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/faults/lib.sh"
trap 'umount "$TMP/full" 2>/dev/null; fakex_stop; rm -rf "$TMP"' EXIT
faults_setup

# finals_whole DIR DESC: every final-named file equals the clean run's (CSV) or is a whole zip (XLSX).
finals_whole() {
    _bad=""
    for _f in "$1"/xetl-roi-*; do
        [ -e "$_f" ] || continue
        case "$_f" in
        *.csv) cmp -s "$_f" "$TMP/clean-reports/$(basename "$_f")" || _bad="$_bad $(basename "$_f")" ;;
        *.xlsx) "$XETL_PYTHON" -c 'import sys, zipfile; sys.exit(zipfile.ZipFile(sys.argv[1]).testzip() is not None)' "$_f" 2>/dev/null ||
                _bad="$_bad $(basename "$_f")" ;;
        esac
    done
    is "$_bad" "" "$2: nothing partial under a final name"
    is "$(ls -A "$1" | grep -c '^\.')" 0 "$2: no temp file left"
}

# after_fault DESC DIR: the checks of a nightly that hit the limit, then a rerun with room.
after_fault() {
    is "$RC" 74 "$1: exit 74"
    is "$(wc -l < "$ERR" | tr -d ' ')" 1 "$1: one line on stderr"
    like "$(cat "$ERR")" "^xetl: error: stage 'report' failed for account 'faults_t': cannot write .*'.*/xetl-roi-faults_t-[^']*': (No space left on device|File too large) \(disk full or file size limit; no report was written under that name\)$" \
         "$1: saying which file and why"
    is "$(sql "SELECT status || ':' || exit_code FROM xetl.runs WHERE command = 'nightly' ORDER BY run_id DESC LIMIT 1")" "failed:74" \
       "$1: the run row is closed"
    finals_whole "$2" "$1"
    nightly "$TMP/room-$T_DBN"
    is "$RC" 0 "$1: the rerun with room exits 0"
    same_as_clean "$1" "$TMP/room-$T_DBN"
}

# --- disk full: a tmpfs of a few sizes, so that the limit falls in different files ----------
mkdir -p "$TMP/full"
if [ "$(id -u)" != 0 ]; then
    pass "# SKIP disk-full faults not tried: not root, cannot mount a tmpfs (CI runs as root)"
elif ! mount -t tmpfs -o size=4k tmpfs "$TMP/full" 2>/dev/null; then
    pass "# SKIP disk-full faults not tried: mount -t tmpfs refused (a container without CAP_SYS_ADMIN?)"
else
    umount "$TMP/full"
    for size in 4k 16k 40k 96k; do
        mount -t tmpfs -o "size=$size,mode=0755" tmpfs "$TMP/full"
        fresh
        nightly "$TMP/full"
        after_fault "disk full ($size)" "$TMP/full"
        umount "$TMP/full"
    done
fi

# --- ulimit -f: EFBIG (SIGXFSZ is ignored), in blocks of 512 bytes ---------------------------
for blocks in 2 8 24 48; do
    fresh
    rm -rf "$TMP/lim-$blocks"
    XETL_REPORT_OUT="$TMP/lim-$blocks" sh -c 'ulimit -f "$1"; shift; exec "$@"' sh "$blocks" \
        "$XETL" -q --as-of "$ASOF" nightly >"$OUT" 2>"$ERR"
    RC=$?
    after_fault "ulimit -f $blocks" "$TMP/lim-$blocks"
done
faults_done
