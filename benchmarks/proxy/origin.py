#!/usr/bin/env python3
"""The benchmark's origin: a tiny HTTP/1.1 server on 127.0.0.1 that every cache under test fronts.

    GET /2k, /50k            2048 or 51200 bytes, Cache-Control: max-age=3600, a strong ETag, Last-Modified
                             (If-None-Match with that ETag gives a 304)
    GET /burst/<ms>/<id>     2048 bytes, max-age=3600, after waiting <ms> milliseconds (a slow third party)

Every request is written as one line, "<method> <target>", to the access log given with --log (line-buffered),
so the script counts origin requests by grepping it. The hit measurements never reach this server (the script
checks that), so its speed does not enter their numbers; only the cold bursts do.
Prints the port it listens on as its first line of output (port 0 = any free port).
"""
import argparse
import email.utils
import hashlib
import http.server
import socketserver
import sys
import threading
import time

BODIES = {"/2k": b"a" * 2048, "/50k": b"b" * 51200}
BURST_BODY = b"c" * 2048
LAST_MODIFIED = email.utils.formatdate(time.time() - 86400, usegmt=True)


def etag(body):
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


ETAGS = {path: etag(body) for path, body in BODIES.items()}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "origin"

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.do_GET(head=True)

    def do_GET(self, head=False):
        with self.server.log_lock:
            self.server.log.write(f"{self.command} {self.path}\n")
        path = self.path.split("?", 1)[0]
        if path in BODIES:
            body, tag = BODIES[path], ETAGS[path]
        elif path.startswith("/burst/"):
            parts = path.split("/")
            try:
                delay_ms = int(parts[2])
            except (IndexError, ValueError):
                delay_ms = 0
            time.sleep(delay_ms / 1000)
            body, tag = BURST_BODY, etag(path.encode())
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.headers.get("If-None-Match") == tag:
            self.send_response(304)
            self.send_header("ETag", tag)
            self.send_header("Cache-Control", "max-age=3600")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600")
        self.send_header("ETag", tag)
        self.send_header("Last-Modified", LAST_MODIFIED)
        self.end_headers()
        if not head:
            self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    server.log = open(args.log, "a", buffering=1)
    server.log_lock = threading.Lock()
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
