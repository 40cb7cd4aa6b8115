"""``manage.py receive_notifications --secret whsec_… [--secret …] [--port 8765] [--out received.jsonl]``: run the
reference receiver (``notifications.receiver``): verify each notification's signature, keep each webhook-id once,
print it (or append it to a JSON Lines file) and acknowledge it. For agencies trying their endpoint, and a model of
what theirs must check."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geo_portal.notifications.receiver import Receiver


class Command(BaseCommand):
    help = "Receive change notifications on a local port, verifying their Standard Webhooks signatures."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--secret", action="append", required=True, help="signing secret (whsec_…); twice during a rotation"
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--out", type=Path, help="append each message as one JSON line to this file")

    def handle(self, *args, **options) -> None:
        out: Path | None = options["out"]

        def on_message(msg_id: str, payload: dict) -> None:
            line = json.dumps({"webhook_id": msg_id, **payload}, ensure_ascii=False)
            if out:
                with out.open("a", encoding="utf-8") as f:
                    f.write(line + "\n")
            else:
                self.stdout.write(line)

        try:
            receiver = Receiver(options["secret"], host=options["host"], port=options["port"], on_message=on_message)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot start the receiver: {exc}") from exc
        self.stderr.write(f"receiving on {receiver.url} (Ctrl+C stops)")
        try:
            receiver.server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            receiver.server.server_close()
            received = receiver.received
            self.stderr.write(
                f"{len(received.messages)} messages ({len(received.ids)} deliveries), {received.rejected} rejected"
            )
