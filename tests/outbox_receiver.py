"""A stand-in for the national 托育服务信息管理系统 on loopback, for the outbox tests (D-40).

It checks each POST's HMAC signature, counts every raw POST, and applies an event once per
idempotency key, as a receiver that honours the key does. It can answer with given statuses
(to make the sender retry) and hang on one event's first arrival (to kill a worker mid-post)."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = "national-system-secret-2026"


class LoopbackReceiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, replies=(), secret: str = SECRET):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.secret = secret
        self.replies = list(replies)
        self.raw: list[tuple[dict, bytes]] = []  # every POST, duplicates included
        self.applied: dict[str, dict] = {}  # idempotency key → message, first arrival only
        self.applied_order: list[int] = []  # sequence numbers in the order applied
        self.bad_signatures = 0
        self.hang_on_sequence: int | None = None
        self.hanging = threading.Event()  # set when the hang starts
        self.release = threading.Event()  # set by the test to let the hung request answer
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/events"

    def raw_count(self, sequence: int) -> int:
        with self.lock:
            return sum(1 for _h, body in self.raw if json.loads(body)["sequence"] == sequence)

    def start(self) -> "LoopbackReceiver":
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def handle_error(self, request, client_address):
        pass  # a sender killed mid-request leaves a broken pipe behind: expected here


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        server: LoopbackReceiver = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = hmac.new(
            server.secret.encode(),
            self.headers["X-CareCert-Timestamp"].encode() + b"." + body,
            hashlib.sha256,
        ).hexdigest()
        if not hmac.compare_digest(expected, self.headers.get("X-CareCert-Signature", "")):
            with server.lock:
                server.bad_signatures += 1
            self._answer(401)
            return
        message = json.loads(body)
        key = self.headers["Idempotency-Key"]
        with server.lock:
            server.raw.append((dict(self.headers), body))
            status = server.replies.pop(0) if server.replies else 200
            first = status < 300 and key not in server.applied
            if first:  # applied on arrival: a sender that dies before the answer resends it
                server.applied[key] = message
                server.applied_order.append(message["sequence"])
        if first and message["sequence"] == server.hang_on_sequence:
            server.hanging.set()
            server.release.wait(timeout=120)
        self._answer(status)

    def _answer(self, status: int):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass
