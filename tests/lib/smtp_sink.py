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

    smtp_sink.py DIR --fault MODE [--fault-times N]

answers the first N connections (default: all) with a fault instead, from
a plain socket server (aiosmtpd cannot misbehave on purpose):

    refuse           greets with 421 (temporary) and closes
    stall-greeting   accepts the connection and never says anything
    drop-before-dot  says 354 to DATA, reads a little of the body, closes
    drop-after-dot   takes the whole message (saved as delivered: the
                     server has it), then closes without replying
    stall-after-dot  takes the whole message (saved), then never replies

Connections after the first N are served normally.  Every DATA command seen
is counted in DIR/data_count, every connection in DIR/conn_count.
"""
import argparse
import os
import signal
import socket
import sys
import threading
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


def bump(outdir, name):
    path = os.path.join(outdir, name)
    try:
        n = int(open(path).read())
    except (OSError, ValueError):
        n = 0
    with open(path, "w") as f:
        f.write("%d\n" % (n + 1))
    return n + 1


class FaultServer:
    """A minimal SMTP server on a plain socket that misbehaves on purpose."""

    def __init__(self, outdir, mode, times):
        self.outdir, self.mode, self.times = outdir, mode, times
        self.conns = 0
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conns += 1
                n = self.conns
                bump(self.outdir, "conn_count")
            faulty = self.times < 0 or n <= self.times
            threading.Thread(target=self.serve, args=(c, faulty), daemon=True).start()

    def deliver(self, mail_from, rcpts, data):
        with self.lock:
            k = len([f for f in os.listdir(self.outdir) if f.endswith(".eml")]) + 1
            base = os.path.join(self.outdir, "msg-%d" % k)
            with open(base + ".eml", "wb") as f:
                f.write(data)
            with open(base + ".env", "w") as f:
                f.write(mail_from + "\n")
                for r in rcpts:
                    f.write(r + "\n")

    def serve(self, c, faulty):
        mode = self.mode if faulty else None
        f = c.makefile("rb")
        try:
            if mode == "refuse":
                c.sendall(b"421 4.3.2 service not available, try later (test sink)\r\n")
                return
            if mode == "stall-greeting":
                time.sleep(3600)
                return
            c.sendall(b"220 sink ESMTP\r\n")
            mail_from, rcpts = "", []
            while True:
                line = f.readline()
                if not line:
                    return
                cmd = line.strip().upper()
                if cmd.startswith(b"EHLO") or cmd.startswith(b"HELO"):
                    c.sendall(b"250-sink\r\n250 8BITMIME\r\n")
                elif cmd.startswith(b"MAIL FROM:"):
                    mail_from = line.strip()[10:].decode().strip("<>")
                    c.sendall(b"250 OK\r\n")
                elif cmd.startswith(b"RCPT TO:"):
                    rcpts.append(line.strip()[8:].decode().strip("<>"))
                    bump(self.outdir, "rcpt_count")
                    c.sendall(b"250 OK\r\n")
                elif cmd == b"DATA":
                    bump(self.outdir, "data_count")
                    c.sendall(b"354 end with <CRLF>.<CRLF>\r\n")
                    if mode == "drop-before-dot":
                        f.read(64)
                        return
                    data = b""
                    while True:
                        ln = f.readline()
                        if not ln:
                            return
                        if ln == b".\r\n":
                            break
                        data += ln[1:] if ln.startswith(b"..") else ln
                    self.deliver(mail_from, rcpts, data)
                    if mode == "drop-after-dot":
                        return
                    if mode == "stall-after-dot":
                        time.sleep(3600)
                        return
                    c.sendall(b"250 Message accepted\r\n")
                elif cmd == b"QUIT":
                    c.sendall(b"221 Bye\r\n")
                    return
                elif cmd in (b"RSET", b"NOOP"):
                    c.sendall(b"250 OK\r\n")
                else:
                    c.sendall(b"502 not implemented\r\n")
        except OSError:
            pass
        finally:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()


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
    ap.add_argument("--fault", choices=["refuse", "stall-greeting", "drop-before-dot", "drop-after-dot",
                                        "stall-after-dot"])
    ap.add_argument("--fault-times", type=int, default=-1)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    ctl = None
    if a.fault:
        port = FaultServer(a.dir, a.fault, a.fault_times).port
    else:
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
    if ctl:
        ctl.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
