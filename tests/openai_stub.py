"""A minimal OpenAI-compatible chat server on 127.0.0.1, for testing real HTTP clients.

It answers ``POST /v1/chat/completions`` (plain JSON or SSE streaming) with a
scripted reply, records each request body, and can delay or fail on purpose.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class OpenAIStub:
    def __init__(self, reply: str = "stub answer", *, delay_s: float = 0.0, status: int = 200, error: str = ""):
        self.reply, self.delay_s, self.status, self.error = reply, delay_s, status, error
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                stub.requests.append(body)
                time.sleep(stub.delay_s)
                if stub.status != 200:
                    self._send(stub.status, {"error": {"message": stub.error, "type": "invalid_request_error"}})
                elif body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for word in stub.reply.split(" "):
                        self._event({"choices": [{"index": 0, "delta": {"content": word + " "}, "finish_reason": None}]})
                    self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                    self.wfile.write(b"data: [DONE]\n\n")
                else:
                    self._send(200, {"choices": [{"index": 0, "finish_reason": "stop",
                                                  "message": {"role": "assistant", "content": stub.reply}}]})

            def _event(self, chunk):
                payload = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "stub", **chunk}
                self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
                self.wfile.flush()

            def _send(self, status, payload):
                data = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": "stub", **payload}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> "OpenAIStub":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
