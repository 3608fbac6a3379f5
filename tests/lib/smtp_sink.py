#!/usr/bin/python3
"""tests/lib/smtp_sink.py -- an SMTP listener on 127.0.0.1 for the mail tests.

Run with $XETL_PYTHON (Debian's python3 with python3-aiosmtpd):

    smtp_sink.py DIR [--fail CODE] [--fail-times N] [--lifetime SECONDS]

Listens on a free loopback port and writes it to DIR/port.  Each message
accepted is saved as DIR/msg-N.eml (the raw bytes), with its envelope in
DIR/msg-N.env (MAIL FROM on the first line, one RCPT TO a line).  With
--fail CODE (e.g. 451 or 554) the first N RCPT commands (default: all) are
answered with that code; every RCPT seen is counted in DIR/rcpt_count.
Exits on SIGTERM, or by itself after --lifetime seconds (default 60) so a
test that dies never leaves it running.
"""
import argparse
import os
import signal
import socket
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, outdir, fail_code, fail_times):
        self.outdir = outdir
        self.fail_code = fail_code
        self.fail_times = fail_times
        self.rcpts_seen = 0
        self.n = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts_seen += 1
        with open(os.path.join(self.outdir, "rcpt_count"), "w") as f:
            f.write("%d\n" % self.rcpts_seen)
        if self.fail_code and (self.fail_times < 0 or self.rcpts_seen <= self.fail_times):
            if self.fail_code >= 500:
                return "%d 5.7.1 rejected by test sink" % self.fail_code
            return "%d 4.3.0 try again later (test sink)" % self.fail_code
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(self.outdir, "msg-%d" % self.n)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".env", "w") as f:
            f.write(envelope.mail_from + "\n")
            for r in envelope.rcpt_tos:
                f.write(r + "\n")
        return "250 Message accepted"


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--fail-times", type=int, default=-1)
    ap.add_argument("--lifetime", type=float, default=60)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    port = free_port()
    ctl = Controller(Sink(a.dir, a.fail, a.fail_times), hostname="127.0.0.1", port=port,
                     decode_data=False, data_size_limit=50 * 1024 * 1024)
    ctl.start()
    with open(os.path.join(a.dir, "port.tmp"), "w") as f:
        f.write("%d\n" % port)
    os.rename(os.path.join(a.dir, "port.tmp"), os.path.join(a.dir, "port"))
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    deadline = time.monotonic() + a.lifetime
    while not stop and time.monotonic() < deadline:
        time.sleep(0.05)
    ctl.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
