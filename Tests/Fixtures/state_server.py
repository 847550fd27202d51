#!/usr/bin/env python3
"""A stand-in for a platform's config API, for the HTTP store's end-to-end tests.

Serves the contract of SPEC.md ("Contracts for the platform's own store") on 127.0.0.1, port
chosen by the kernel and printed as the first line of stdout. The app name in the path picks a
scenario:

  good            a state document with a staged key (a push is rejected until transmitted);
                  POST transmit marks every instance applied (state kept in memory)
  missing         404 (unknown app: nothing set)
  broken          500 with a two-line body
  garbage         200 with a body that is not JSON
  malformed       200 with JSON missing required fields
  mismatch        200 with a valid document for another app
  slow            waits 10 s before answering config-state
  huge            200 with a 2 MiB body
  redirect-away   302 to the same port on 127.0.0.2 (another host)
  redirect-same   302 to a relative path on this host that serves a good document
  redirect-loop   302 to itself, forever
  in-sync         as good, with the staged key applied everywhere (a push is accepted)
  delayed         as in-sync, but every API request waits 0.2 s before it is answered
  old-server      as delayed, but without the batch form of the audit (404 on …/audit/batch)

Every API request needs `Authorization: Bearer test-token` (401 otherwise). Audit records (one
per POST …/audit, several per POST …/audit/batch of `{"records": […]}`, whose bodies are kept
too), transmit POSTs, every
API request and every request that reaches the 127.0.0.2 listener are kept in memory and shown
by GET /_recorded (no token needed). The server exits when stdin closes or after 120 s.

  python3 state_server.py [--tls CERT KEY]
"""

import json
import os
import re
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "test-token"
LIFETIME_SECONDS = 120
API_PATH = re.compile(r"^(?:/[^?#]*)?/apps/([^/?#]+)/environments/([^/?#]+)/(config-state|transmit|audit|audit/batch)$")

lock = threading.Lock()
states = {}          # (app, environment) -> state document (dict)
recorded = {"audits": [], "batches": [], "transmits": [], "other_host": [], "requests": []}
redirect_target = {"host": "127.0.0.2", "port": 0}


def good_document(app, environment):
    return {
        "version": 1,
        "app": app,
        "environment": environment,
        "desiredVersion": 2,
        "config": [
            {"key": "LOG_LEVEL", "version": 1, "digest": "hmac-sha256:1111aaaa", "deleted": False,
             "changedAt": "2026-11-25T10:00:00Z", "changedBy": "bob"},
            {"key": "NEW_AUTH_TOKEN", "version": 2, "digest": "hmac-sha256:2222bbbb", "deleted": False,
             "changedAt": "2026-11-26T09:12:00Z", "changedBy": "alice"},
        ],
        "instances": [
            {"id": "web.1", "appliedVersion": 1, "state": "active"},
            {"id": "web.2", "appliedVersion": 1, "state": "active"},
        ],
        "appliedVersion": 1,
    }


def state_of(app, environment):
    with lock:
        key = (app, environment)
        if key not in states:
            states[key] = good_document(app, environment)
            if app in ("in-sync", "delayed", "old-server"):
                for instance in states[key]["instances"]:
                    instance["appliedVersion"] = 2
                states[key]["appliedVersion"] = 2
        return json.loads(json.dumps(states[key]))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "state-server"
    sys_version = ""

    def log_message(self, *args):
        pass

    # -- helpers -----------------------------------------------------------------------------

    def send(self, status, body=b"", content_type="application/json", headers=()):
        if isinstance(body, str):
            body = body.encode()
        elif not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def on_other_host(self):
        return self.server.server_address[0] != "127.0.0.1"

    # -- requests ----------------------------------------------------------------------------

    def do_GET(self):
        self.handle_request(b"")

    def do_POST(self):
        self.handle_request(self.read_body())

    def handle_request(self, body):
        authorization = self.headers.get("Authorization")
        if self.on_other_host():
            with lock:
                recorded["other_host"].append({"method": self.command, "path": self.path,
                                               "authorization": authorization})
            return self.send(200, good_document("redirect-away", "production"))
        if self.path == "/_recorded":
            with lock:
                return self.send(200, json.dumps(recorded))
        with lock:
            recorded["requests"].append({"method": self.command, "path": self.path,
                                         "authorized": authorization == "Bearer " + TOKEN})
        if re.search(r"/apps/(delayed|old-server)/", self.path):
            time.sleep(0.2)
        if authorization != "Bearer " + TOKEN:
            return self.send(401, "invalid or missing token\n", "text/plain")
        match = API_PATH.match(self.path)
        if not match:
            return self.send(404, {"error": "no such endpoint"})
        app = urllib.parse.unquote(match.group(1))
        environment = urllib.parse.unquote(match.group(2))
        action = match.group(3)
        if action == "audit":
            return self.audit(app, environment, body)
        if action == "audit/batch":
            if app == "old-server":
                return self.send(404, {"error": "no such endpoint"})
            return self.audit_batch(app, environment, body)
        if action == "transmit":
            return self.transmit(app, environment, body)
        return self.config_state(app, environment)

    def audit(self, app, environment, body):
        if self.command != "POST":
            return self.send(405, {"error": "POST only"})
        try:
            record = json.loads(body)
        except ValueError:
            return self.send(400, {"error": "not JSON"})
        with lock:
            recorded["audits"].append({"app": app, "environment": environment, "record": record,
                                       "raw": body.decode("utf-8", "replace"),
                                       "contentType": self.headers.get("Content-Type")})
        self.send(201, {"ok": True})

    def audit_batch(self, app, environment, body):
        if self.command != "POST":
            return self.send(405, {"error": "POST only"})
        try:
            records = json.loads(body)["records"]
        except (ValueError, KeyError, TypeError):
            return self.send(400, {"error": "expected {\"records\": [...]}"})
        with lock:
            recorded["batches"].append(body.decode("utf-8", "replace"))
            for record in records:
                recorded["audits"].append({"app": app, "environment": environment, "record": record,
                                           "raw": json.dumps(record), "batch": True,
                                           "contentType": self.headers.get("Content-Type")})
        self.send(201, {"ok": True})

    def transmit(self, app, environment, body):
        if self.command != "POST":
            return self.send(405, {"error": "POST only"})
        try:
            request = json.loads(body)
        except ValueError:
            return self.send(400, {"error": "not JSON"})
        with lock:
            recorded["transmits"].append({"app": app, "environment": environment, "body": request})
            key = (app, environment)
            if key not in states:
                states[key] = good_document(app, environment)
            state = states[key]
            for instance in state["instances"]:
                if request.get("instances") is None or instance["id"] in request["instances"]:
                    instance["appliedVersion"] = state["desiredVersion"]
            if request.get("instances") is None:
                state["appliedVersion"] = state["desiredVersion"]
            version = state["desiredVersion"]
        # Not a state document: the store reads the state again for the version.
        self.send(200, {"version": version})

    def config_state(self, app, environment):
        if self.command != "GET":
            return self.send(405, {"error": "GET only"})
        if app in ("good", "redirect-same"):
            if app == "redirect-same" and not self.path.startswith("/moved/"):
                location = "/moved" + self.path      # relative: resolved against the request URL
                return self.send(302, "", headers=[("Location", location)])
            return self.send(200, state_of(app, environment))
        if app == "missing":
            return self.send(404, {"error": "unknown app"})
        if app == "broken":
            return self.send(500, "internal error: database exploded\nTraceback with details\n", "text/plain")
        if app == "garbage":
            return self.send(200, "<html>this is not JSON</html>", "text/html")
        if app == "malformed":
            return self.send(200, {"version": 1, "app": app, "environment": environment, "config": []})
        if app == "mismatch":
            return self.send(200, good_document("someone-else", environment))
        if app == "slow":
            time.sleep(10)
            return self.send(200, state_of(app, environment))
        if app == "huge":
            size = 2 << 20
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b" " * 65536
            try:
                for _ in range(size // len(chunk)):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if app == "redirect-away":
            location = "http://%s:%d%s" % (redirect_target["host"], redirect_target["port"], self.path)
            return self.send(302, "", headers=[("Location", location)])
        if app == "redirect-loop":
            return self.send(302, "", headers=[("Location", self.path)])
        return self.send(200, state_of(app, environment))


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up early (the 2 MiB answer, timeouts) are expected here


def serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()


def main():
    server = Server(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    if len(sys.argv) == 4 and sys.argv[1] == "--tls":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    # "Another host": the same port on 127.0.0.2 when free, else any port there.
    try:
        other = Server(("127.0.0.2", port), Handler)
    except OSError:
        other = Server(("127.0.0.2", 0), Handler)
    redirect_target["port"] = other.server_address[1]
    serve(server)
    serve(other)
    sys.stdout.write("%d\n" % port)
    sys.stdout.flush()

    def exit_when_stdin_closes():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        os._exit(0)

    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    time.sleep(LIFETIME_SECONDS)
    os._exit(0)


if __name__ == "__main__":
    main()
