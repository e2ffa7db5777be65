"""A minimal OpenAI-compatible chat server on 127.0.0.1, for testing real HTTP clients.

It answers ``POST /v1/chat/completions`` (plain JSON or SSE streaming) with a
scripted reply and ``POST /v1/embeddings`` with bag-of-words vectors (texts that
share words are near), records each request body, and can delay or fail on purpose.
"""

from __future__ import annotations

import hashlib
import json
import re
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
                elif self.path.endswith("/embeddings"):
                    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    self._send(200, {"object": "list", "usage": {"prompt_tokens": 0, "total_tokens": 0},
                                     "data": [{"object": "embedding", "index": i, "embedding": bag_of_words(t)}
                                              for i, t in enumerate(texts)]})
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


def bag_of_words(text: str, dims: int = 64) -> list[float]:
    """A deterministic embedding: each word of four letters or more hashed into one of ``dims`` slots."""
    vector = [0.0] * dims
    for word in re.findall(r"[a-z]{4,}", text.lower()):
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % dims] += 1.0
    return vector
