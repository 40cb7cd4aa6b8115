"""A reference receiver of change notifications (standard library HTTP server + the ``standardwebhooks`` library).

It verifies every request's signature and timestamp with the subscription's secret(s), answers 401 to a bad one,
keeps each ``webhook-id`` once (a repeat is acknowledged again, not handled twice) and answers
``{"ack_id": "<id>"}`` — the acknowledgement the office records. Agencies can run it as it is
(``manage.py receive_notifications``) or read it as the documented way to verify. The tests start it on
127.0.0.1 with a ``fail`` rule to play an unreliable receiver.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    """What a receiver saw: every request's webhook-id in arrival order, and each verified message once."""

    ids: list[str] = field(default_factory=list)  # every request that verified, repeats included
    messages: dict[str, dict] = field(default_factory=dict)  # webhook-id → payload, first arrival
    rejected: int = 0
    failed_on_purpose: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Receiver:
    """``Receiver(secrets).start()`` → its URL; ``fail(n, webhook_id)`` → an HTTP status to answer instead, or None."""

    def __init__(
        self,
        secrets: list[str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        fail: Callable[[int, str], int | None] | None = None,
        on_message: Callable[[str, dict], None] | None = None,
    ):
        self.verifiers = [Webhook(s) for s in secrets]
        self.received = Received()
        self.fail = fail
        self.on_message = on_message
        self._count = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes: without TCP_NODELAY the body waits for the client's delayed
            # ACK (~40 ms on Linux) on every request of a kept-alive connection.
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:  # quiet: the tests and the command report themselves
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                status, answer = receiver.handle(body, {k: v for k, v in self.headers.items()})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks"

    def start(self) -> str:
        self.thread.start()
        return self.url

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def verify(self, body: bytes, headers: dict[str, str]) -> dict:
        """The payload when one of the secrets verifies the signature (and the timestamp is fresh), else raises."""
        error: Exception | None = None
        for verifier in self.verifiers:
            try:
                return verifier.verify(body, headers)
            except (WebhookVerificationError, ValueError) as exc:
                error = exc
        raise WebhookVerificationError(str(error))

    def handle(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
        try:
            payload = self.verify(body, headers)
        except WebhookVerificationError as exc:
            with self.received.lock:
                self.received.rejected += 1
            return 401, {"error": f"signature not verified: {exc}"}
        msg_id = {k.lower(): v for k, v in headers.items()}["webhook-id"]
        with self.received.lock:
            self._count += 1
            n = self._count
        status = self.fail(n, msg_id) if self.fail else None
        if status is not None:
            with self.received.lock:
                self.received.failed_on_purpose += 1
            return status, {"error": "failing on purpose"}
        with self.received.lock:
            self.received.ids.append(msg_id)
            first = msg_id not in self.received.messages
            if first:
                self.received.messages[msg_id] = payload
        if first and self.on_message:
            self.on_message(msg_id, payload)
        return 200, {"ack_id": "ack-" + hashlib.sha256(msg_id.encode()).hexdigest()[:16]}
