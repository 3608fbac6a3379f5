#!/usr/bin/env python3
"""fakex.py - a fake X API v2 server on 127.0.0.1 for xetl's tests and demo.

    fakex.py --port-file F [--port 0] [--scenario file.json] [--token T]

Serves the documented response shapes (docs/formats.md) of

    GET /2/tweets?ids=...&tweet.fields=...&expansions=in_reply_to_user_id
    GET /2/users/:id?user.fields=public_metrics
    GET /2/users/:id/tweets?max_results=&pagination_token=&start_time=&end_time=

from the simulation in sim.py.  Prints nothing on success; writes the port it
listens on to the --port-file (atomically) once it accepts connections; exits 0
on SIGTERM or SIGINT.  With --token, requests without "Authorization: Bearer T"
get 401.

Control endpoints (no auth):

    POST /_fake/clock   {"now": ISO}      set the simulated clock
    GET  /_fake/clock                     {"now": ISO}
    POST /_fake/faults  {...}             replace the fault plan (below)
    POST /_fake/reset                     clear faults and request counters
    GET  /_fake/truth?at=ISO[&user_id=]   exact metrics per tweet and follower count
    GET  /_fake/stats                     request counters and the last requests

Fault plan:

    {"rules": [RULE, ...],        tried in order; the first live match applies
     "deleted": [tweet id, ...],  answered as Not Found errors in /2/tweets
     "protected": [tweet id, ...],answered as Authorization errors
     "page_size": N,              caps the timeline's max_results (pagination)
     "token_user": user id}       the token is this user's own (user context): a
                                  /2/tweets request asking for private metrics
                                  gets a Field Authorization Error instead of
                                  each post another user wrote (as X does)

    RULE = {"path": "/2/tweets",  prefix of the request path (default: any /2/)
            "endpoint": "tweets|users|timeline",  alternatively, which endpoint
            "times": 1,           how many requests it applies to (-1: forever)
            "after": 0,           let this many matching requests through first
            "status": 503,        answer this status with a problem body
            "reset_in": 2,        with 429: x-rate-limit-reset = wall clock + this
            "retry_after": 2,     with 429: Retry-After header
            "delay": 1.5,         sleep this long (seconds) before answering
            "private": true,      match only requests whose tweet.fields ask for
                                  non_public/organic/promoted metrics (with
                                  "status": 400: X refusing private metrics for
                                  a post past its 30-day line)
            "detail": "...",      the problem body's detail (default: its title)
            "truncate": "body"|"conn",
              body: a 200 whose JSON is cut in half (Content-Length matches)
              conn: Content-Length of the whole body, half sent, then closed
            "body": "latin1"|"binary"|"utf8cut"|"echo",
                                  with "status": the error body is Latin-1 text,
                                  random-looking bytes, a JSON detail cut inside
                                  a UTF-8 character, or a proxy page echoing
                                  the request's Authorization header; without
                                  "status", "echo" adds a debug field echoing
                                  it to the normal 200 answer
            "reset": true,        close the connection without answering
                                  (RST: SO_LINGER 0)
            "headers": {...}}     extra response headers (any value, e.g. an
                                  absurd x-rate-limit-reset or Retry-After)
"""

import argparse
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sim  # noqa: E402

LOG_KEEP = 500


class State:
    def __init__(self, scenario, token):
        self.lock = threading.Lock()
        self.sc = scenario
        self.token = token
        self.now = scenario.now
        self.reset_faults()
        self.reset_stats()

    def reset_faults(self):
        self.rules = []
        self.deleted = set()
        self.protected = set()
        self.page_size = None
        self.token_user = None

    def reset_stats(self):
        self.requests = 0
        self.by_endpoint = {}
        self.by_status = {}
        self.ids_requested = 0
        self.faults_applied = 0
        self.log = []

    def set_faults(self, plan):
        self.reset_faults()
        for r in plan.get("rules", []):
            r = dict(r)
            r.setdefault("times", 1)
            r.setdefault("after", 0)
            self.rules.append(r)
        self.deleted = set(str(x) for x in plan.get("deleted", []))
        self.protected = set(str(x) for x in plan.get("protected", []))
        self.page_size = plan.get("page_size")
        self.token_user = str(plan["token_user"]) if plan.get("token_user") else None

    def take_fault(self, path, endpoint, query=""):
        """The rule that applies to this request, consuming one use of it."""
        for r in self.rules:
            if "endpoint" in r and r["endpoint"] != endpoint:
                continue
            if "path" in r and not path.startswith(r["path"]):
                continue
            if r.get("private") and not asks_private(query):
                continue
            if r["times"] == 0:
                continue
            if r["after"] > 0:
                r["after"] -= 1
                return None
            if r["times"] > 0:
                r["times"] -= 1
            self.faults_applied += 1
            return dict(r)
        return None


PRIVATE_FIELDS = {"non_public_metrics", "organic_metrics", "promoted_metrics"}


def asks_private(query):
    """Whether a query string's tweet.fields ask for metrics X keeps private."""
    q = dict(urllib.parse.parse_qsl(query or "", keep_blank_values=True))
    return bool(set(q.get("tweet.fields", "").split(",")) & PRIVATE_FIELDS)


def problem(status, title, detail, ptype="about:blank"):
    return {"title": title, "detail": detail, "type": ptype, "status": status}


def endpoint_of(path):
    parts = path.strip("/").split("/")
    if parts[:2] == ["2", "tweets"] and len(parts) == 2:
        return "tweets", None
    if parts[:2] == ["2", "users"] and len(parts) == 3:
        return "users", parts[2]
    if parts[:2] == ["2", "users"] and len(parts) == 4 and parts[3] == "tweets":
        return "timeline", parts[2]
    if parts[:4] == ["2", "users", "by", "username"] and len(parts) == 5:
        return "username", parts[4]
    return None, None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakex/1"

    def log_message(self, fmt, *args):  # silent: tests read stats instead
        pass

    @property
    def st(self):
        return self.server.state

    # -- plumbing -----------------------------------------------------------
    def send_json(self, status, obj, headers=None, truncate=None):
        body = json.dumps(obj, separators=(",", ":")).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        if truncate == "body":
            body = body[: len(body) // 2]
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif truncate == "conn":
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def read_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b"{}"
        try:
            return json.loads(raw.decode("utf-8") or "{}")
        except ValueError:
            return None

    def rate_headers(self):
        return {
            "x-rate-limit-limit": 900,
            "x-rate-limit-remaining": 899,
            "x-rate-limit-reset": int(time.time()) + 900,
        }

    # -- control ------------------------------------------------------------
    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        body = self.read_json()
        if body is None:
            return self.send_json(400, problem(400, "Invalid Request", "body is not JSON"))
        with self.st.lock:
            if u.path == "/_fake/clock":
                try:
                    self.st.now = sim.parse_time(body["now"])
                except (KeyError, ValueError, TypeError):
                    return self.send_json(400, problem(400, "Invalid Request", "need {\"now\": ISO}"))
                return self.send_json(200, {"now": sim.format_time(self.st.now, False)})
            if u.path == "/_fake/faults":
                self.st.set_faults(body)
                return self.send_json(200, {"ok": True})
            if u.path == "/_fake/reset":
                self.st.reset_faults()
                self.st.reset_stats()
                return self.send_json(200, {"ok": True})
        return self.send_json(404, problem(404, "Not Found", "no such control endpoint"))

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        if u.path.startswith("/_fake/"):
            return self.control_get(u.path, q)
        return self.api_get(u, q)

    def control_get(self, path, q):
        st = self.st
        with st.lock:
            if path == "/_fake/clock":
                return self.send_json(200, {"now": sim.format_time(st.now, False)})
            if path == "/_fake/stats":
                return self.send_json(200, {
                    "requests": st.requests,
                    "by_endpoint": st.by_endpoint,
                    "by_status": st.by_status,
                    "ids_requested": st.ids_requested,
                    "faults_applied": st.faults_applied,
                    "log": st.log,
                })
            if path == "/_fake/truth":
                try:
                    at = sim.parse_time(q["at"]) if "at" in q else st.now
                except ValueError:
                    return self.send_json(400, problem(400, "Invalid Request", "bad 'at'"))
                return self.send_json(200, st.sc.truth(at, q.get("user_id")))
        return self.send_json(404, problem(404, "Not Found", "no such control endpoint"))

    # -- the API ------------------------------------------------------------
    def api_get(self, u, q):
        st = self.st
        endpoint, uid = endpoint_of(u.path)
        label = {"tweets": "/2/tweets", "users": "/2/users/:id",
                 "timeline": "/2/users/:id/tweets",
                 "username": "/2/users/by/username/:username"}.get(endpoint, u.path)
        with st.lock:
            st.requests += 1
            st.by_endpoint[label] = st.by_endpoint.get(label, 0) + 1
            fault = st.take_fault(u.path, endpoint, u.query) if endpoint else None
            now = st.now
        status, obj, headers, trunc = self.answer(endpoint, uid, q, fault, now)
        with st.lock:
            st.by_status[str(status)] = st.by_status.get(str(status), 0) + 1
            st.log.append({"path": u.path, "query": u.query, "status": status,
                           "fault": bool(fault)})
            del st.log[:-LOG_KEEP]
        if fault and fault.get("delay"):
            time.sleep(float(fault["delay"]))
        try:
            if fault and fault.get("reset"):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                return
            if fault and fault.get("headers"):
                headers = dict(headers)
                headers.update(fault["headers"])
            raw = self.fault_body(fault, status, obj)
            if raw is not None:
                return self.send_raw(status, raw, headers)
            self.send_json(status, obj, headers, trunc)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def fault_body(self, fault, status, obj):
        """The bytes of a misbehaving body, or None for the normal JSON."""
        kind = fault.get("body") if fault else None
        auth = self.headers.get("Authorization", "")
        if kind is None:
            return None
        if kind == "echo" and status == 200 and isinstance(obj, dict):
            obj = dict(obj)
            obj["debug"] = {"request_headers": {"Authorization": auth}, "note": "echo " + auth}
            return json.dumps(obj, separators=(",", ":")).encode("utf-8")
        if kind == "echo":
            return ("<html><body><h1>%d Service Unavailable</h1><pre>GET %s\nAuthorization: %s\n"
                    "X-Token: %s</pre></body></html>" % (status, self.path, auth, auth[7:])).encode("utf-8")
        if kind == "latin1":
            return "Le service est indisponible : réessayez plus tard (à bientôt)".encode("latin-1")
        if kind == "binary":
            return bytes(range(256)) * 3
        if kind == "utf8cut":
            b = json.dumps({"title": "Service Unavailable", "detail": "surcharg\u00e9 \u2014 r\u00e9essayez"},
                           ensure_ascii=False).encode("utf-8")
            cut = b.index("\u2014".encode("utf-8")) + 1  # inside the 3-byte dash
            return b[:cut]
        return None

    def send_raw(self, status, body, headers):
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer(self, endpoint, uid, q, fault, now):
        st = self.st
        headers = self.rate_headers()
        auth = self.headers.get("Authorization", "")
        if st.token is not None and auth != "Bearer " + st.token:
            return 401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                         "detail": "Unauthorized"}, headers, None
        if fault and fault.get("status"):
            s = int(fault["status"])
            if s == 429:
                headers["x-rate-limit-remaining"] = 0
                headers["x-rate-limit-reset"] = int(time.time()) + int(fault.get("reset_in", 1))
                if "retry_after" in fault:
                    headers["Retry-After"] = int(fault["retry_after"])
                return s, problem(s, "Too Many Requests", "Too Many Requests"), headers, None
            titles = {400: "Invalid Request", 401: "Unauthorized", 403: "Forbidden", 500: "Internal Server Error",
                      502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
                      408: "Request Timeout"}
            title = titles.get(s, "Error")
            ptype = ("https://api.twitter.com/2/problems/invalid-request" if s == 400 else "about:blank")
            return s, problem(s, title, fault.get("detail", title), ptype), headers, None
        trunc = fault.get("truncate") if fault else None
        if endpoint == "tweets":
            s, o = self.tweets(q, now)
        elif endpoint == "users":
            s, o = self.user(uid, now)
        elif endpoint == "timeline":
            s, o = self.timeline(uid, q, now)
        elif endpoint == "username":
            s, o = self.user_by_username(uid)
        else:
            s, o = 404, problem(404, "Not Found", "no such endpoint")
        return s, o, headers, (trunc if s == 200 else None)

    def tweets(self, q, now):
        st = self.st
        ids = [x for x in q.get("ids", "").split(",") if x]
        if not 1 <= len(ids) <= 100:
            return 400, {"errors": [{"parameters": {"ids": [q.get("ids", "")]},
                                     "message": "The number of values in the `ids` query parameter "
                                                "list must be between 1 and 100"}],
                         "title": "Invalid Request", "detail": "One or more parameters to your "
                         "request was invalid.", "type": "https://api.twitter.com/2/problems/invalid-request"}
        fields = set(x for x in q.get("tweet.fields", "").split(",") if x)
        with st.lock:
            st.ids_requested += len(ids)
        private = fields & PRIVATE_FIELDS
        data, errors, users = [], [], {}
        for i in ids:
            tw = st.sc.tweets.get(i)
            if tw is not None and private and tw.exists_at(now) and now - tw.created_at > 30 * 86400:
                return 400, problem(400, "Invalid Request",
                                    "non_public_metrics and organic_metrics are only available "
                                    "for posts created in the last 30 days",
                                    "https://api.twitter.com/2/problems/invalid-request")
            if tw is None or not tw.exists_at(now) or i in st.deleted:
                errors.append({"value": i, "detail": "Could not find tweet with ids: [%s]." % i,
                               "title": "Not Found Error", "resource_type": "tweet",
                               "parameter": "ids", "resource_id": i,
                               "type": "https://api.twitter.com/2/problems/resource-not-found"})
            elif private and st.token_user and tw.account.user_id != st.token_user:
                for f in sorted(private):
                    errors.append({"value": i, "detail": "Sorry, you are not authorized to access '%s' "
                                   "on the Tweet with ids: [%s]." % (f, i),
                                   "title": "Field Authorization Error", "resource_type": "tweet",
                                   "field": f, "parameter": "ids", "resource_id": i, "section": "data",
                                   "type": "https://api.twitter.com/2/problems/not-authorized-for-field"})
            elif i in st.protected:
                errors.append({"value": i, "detail": "Sorry, you are not authorized to see the Tweet "
                               "with ids: [%s]." % i, "title": "Authorization Error",
                               "resource_type": "tweet", "parameter": "ids", "resource_id": i,
                               "type": "https://api.twitter.com/2/problems/not-authorized-for-resource"})
            else:
                data.append(tw.api_object(now, fields))
                if tw.kind == "reply" and "in_reply_to_user_id" in q.get("expansions", ""):
                    users[tw.parent_user_id] = {"id": tw.parent_user_id, "name": tw.parent_username,
                                                "username": tw.parent_username}
        out = {}
        if data:
            out["data"] = data
        if users:
            out["includes"] = {"users": sorted(users.values(), key=lambda u: u["id"])}
        if errors:
            out["errors"] = errors
        return 200, out

    def user(self, uid, now):
        a = self.st.sc.account(uid)
        if a is None:
            return 200, {"errors": [{"value": uid, "detail": "Could not find user with id: [%s]." % uid,
                                     "title": "Not Found Error", "resource_type": "user",
                                     "parameter": "id", "resource_id": uid,
                                     "type": "https://api.twitter.com/2/problems/resource-not-found"}]}
        return 200, {"data": a.user_object(now)}

    def user_by_username(self, name):
        # GET /2/users/by/username/:username -> the user's id, name and username.
        for a in self.st.sc.accounts:
            if a.handle.lower() == name.lower():
                return 200, {"data": {"id": a.user_id, "name": a.handle.replace("_", " ").title(),
                                      "username": a.handle}}
        return 200, {"errors": [{"value": name, "detail": "Could not find user with username: [%s]." % name,
                                 "title": "Not Found Error", "resource_type": "user",
                                 "parameter": "username", "resource_id": name,
                                 "type": "https://api.twitter.com/2/problems/resource-not-found"}]}

    def timeline(self, uid, q, now):
        st = self.st
        a = st.sc.account(uid)
        if a is None:
            return 200, {"errors": [{"value": uid, "detail": "Could not find user with id: [%s]." % uid,
                                     "title": "Not Found Error", "resource_type": "user",
                                     "parameter": "id", "resource_id": uid,
                                     "type": "https://api.twitter.com/2/problems/resource-not-found"}],
                         "meta": {"result_count": 0}}
        try:
            n = int(q.get("max_results", "10"))
            start = sim.parse_time(q["start_time"]) if "start_time" in q else None
            end = sim.parse_time(q["end_time"]) if "end_time" in q else None
            off = int(q["pagination_token"], 16) if "pagination_token" in q else 0
        except ValueError:
            return 400, problem(400, "Invalid Request", "bad parameter",
                                "https://api.twitter.com/2/problems/invalid-request")
        if not 5 <= n <= 100:
            return 400, problem(400, "Invalid Request", "max_results must be between 5 and 100",
                                "https://api.twitter.com/2/problems/invalid-request")
        if st.page_size:
            n = min(n, int(st.page_size))
        fields = set(x for x in q.get("tweet.fields", "").split(",") if x)
        items = [tw for tw in reversed(a.tweets)
                 if tw.exists_at(now) and tw.id not in st.deleted
                 and (start is None or tw.created_at >= start)
                 and (end is None or tw.created_at <= end)][:3200]
        page = items[off:off + n]
        meta = {"result_count": len(page)}
        out = {}
        if page:
            out["data"] = [tw.api_object(now, fields) for tw in page]
            meta["newest_id"] = page[0].id
            meta["oldest_id"] = page[-1].id
        if off + n < len(items):
            meta["next_token"] = "%08x" % (off + n)
        out["meta"] = meta
        return 200, out


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv=None):
    ap = argparse.ArgumentParser(description="fake X API v2 for xetl")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--scenario")
    ap.add_argument("--token")
    args = ap.parse_args(argv)

    srv = Server(("127.0.0.1", args.port), Handler)
    srv.state = State(sim.load_scenario(args.scenario), args.token)

    def stop(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, args.port_file)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
