#!/usr/bin/python3
"""bench/baseline/measure.py - runs one command and prints what it cost (stdlib only).

    measure.py POSTMASTER_PID OUT_FILE -- COMMAND [ARG...]

Writes to OUT_FILE one line "rc wall_s client_cpu_s server_cpu_s peak_rss_kib":
the command's wall time, its user + system CPU and peak RSS (wait4's rusage,
children included), and the CPU the PostgreSQL server spent meanwhile: the
change in the postmaster's own and reaped children's CPU plus that of its
live children (/proc/PID/stat), so backends that ended are counted.  Server
figures include whatever else the server did meanwhile (autovacuum), which
on a throwaway cluster is little.  The command's stdout and stderr pass
through.
"""
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    return s[s.rindex(")") + 2:].split()  # fields from 3 (state) on


def server_cpu(pm):
    """Seconds of CPU of the postmaster, its reaped children and its live children."""
    if pm <= 0:
        return 0.0
    try:
        f = stat_fields(pm)
    except OSError:
        return 0.0
    total = sum(int(f[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == pm:
            continue
        try:
            c = stat_fields(int(d))
        except OSError:
            continue
        if int(c[1]) == pm:  # ppid
            total += int(c[11]) + int(c[12])
    return total / TICK


def main(argv):
    pm, out, cmd = int(argv[1]), argv[2], argv[4:]
    s0 = server_cpu(pm)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    time.sleep(0.2)  # let the postmaster reap the command's backends
    s1 = server_cpu(pm)
    rc = os.waitstatus_to_exitcode(status)
    with open(out, "w") as f:
        f.write(f"{rc} {wall:.3f} {ru.ru_utime + ru.ru_stime:.3f} {s1 - s0:.3f} {ru.ru_maxrss}\n")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
