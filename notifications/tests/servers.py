"""Real servers on loopback for the tests: an SMTP server (aiosmtpd) and a
small HTTP server speaking the part of Twilio's Messages API we use."""

import json
import socket
import threading
import time
import uuid
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """Keeps every message it accepts; `start()`/`stop()` simulate an outage."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list = []
        self.controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd hook
        if address.startswith("rejected@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, parsed))
        return "250 Message accepted"

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def settings(self) -> dict:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_TIMEOUT": 5,
        }


# "To" numbers that make the fake Twilio answer with an error.
INVALID, THROTTLED, BROKEN, SLOW = "+33600000400", "+33600000429", "+33600000500", "+33600000999"


class FakeTwilio:
    def __init__(self):
        self.requests: list[dict] = []
        self.port = free_port()
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                fake.requests.append(
                    {"path": self.path, "form": form, "auth": self.headers.get("Authorization")}
                )
                to = form.get("To", "")
                if to == SLOW:
                    fake.release.wait(5)
                    return
                if not self.path.endswith("/Messages.json"):
                    return self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
                if to == INVALID:
                    return self._answer(
                        400,
                        {
                            "code": 21211,
                            "message": f"The 'To' number {to} is not a valid phone number.",
                            "status": 400,
                        },
                    )
                if to == THROTTLED:
                    return self._answer(429, {"code": 20429, "message": "Too Many Requests", "status": 429})
                if to == BROKEN:
                    return self._answer(
                        500, {"code": 20500, "message": "Internal Server Error", "status": 500}
                    )
                sid = "SM" + uuid.uuid4().hex
                self._answer(
                    201,
                    {
                        "sid": sid,
                        "status": "queued",
                        "to": to,
                        "from": form.get("From"),
                        "body": form.get("Body"),
                        "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
                    },
                )

            def _answer(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
