"""`videochat-text serve`: the JSON API in-process (httpx over ASGI) on real clips, and a real
uvicorn server on 127.0.0.1 for what only a socket shows (ranges, streaming, restarts, the
OpenAI client)."""

from __future__ import annotations

import asyncio
import json
import tempfile
import threading
import time
from contextlib import nullcontext as does_not_raise
from pathlib import Path

import httpx
import numpy as np
import pytest

from devkit.serving import EchoChatModel, LiveServer
from videochat_text import ConfigError, Description, Event, PerceptionModule, VideoChat, load_settings
from videochat_text import register_module, unregister_module
from videochat_text.serve import check_bind, create_app


class Client:
    """A synchronous httpx client over the ASGI app (no socket)."""

    def __init__(self, app, headers: dict[str, str] | None = None):
        self.app, self.headers = app, headers or {}

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=self.headers) as c:
                return await c.request(method, url, **kwargs)

        return asyncio.run(go())

    def get(self, url: str, **kwargs) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def delete(self, url: str, **kwargs) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def upload(self, path_or_bytes, name: str = "clip.mp4") -> httpx.Response:
        data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
        return self.post("/api/videos", files={"file": (name, data, "video/mp4")})

    def described(self, video_id: str, timeout_s: float = 180) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            status = self.get(f"/api/videos/{video_id}").json()
            if status["status"] in ("done", "failed") or time.monotonic() > deadline:
                return status
            time.sleep(0.1)


def _last_event(stream_text: str) -> dict:
    """The data of the last Server-Sent Event in a response body."""
    return json.loads(stream_text.strip().split("\n")[-1][len("data: "):])


def _app(tmp: Path, chat_model=None, **settings):
    base = {"cache": {"dir": str(tmp / "cache")}, "summary": {"backend": "merge"}}
    vc = VideoChat({**base, **settings}, chat_model=chat_model or EchoChatModel())
    return create_app(videochat=vc)


@pytest.fixture(scope="module")
def served(tmp_path_factory, speech_clip):
    """The speech clip uploaded and described by the real default modules (speech, objects)."""
    tmp = tmp_path_factory.mktemp("served")
    app = _app(tmp, serve={"session_turns": 2, "max_sessions": 3})
    client = Client(app)
    response = client.upload(speech_clip, "speech clip.mp4")
    assert response.status_code == 202
    video_id = response.json()["id"]
    assert client.described(video_id)["status"] == "done"
    yield app, client, video_id, tmp
    app.state.server.close()


class Gate(PerceptionModule):
    """Holds describing until the test opens the gate; emits one event."""

    name = "gate"
    consumes = frozenset()
    opened = threading.Event()
    runs = 0

    def run(self, media):
        type(self).runs += 1
        assert type(self).opened.wait(30)
        return [Event(start=0.0, end=1.0, module="gate", text="the gate opened")]


@pytest.fixture
def gate():
    Gate.opened.clear()
    Gate.runs = 0
    register_module(Gate)
    yield Gate
    Gate.opened.set()
    unregister_module(Gate.name)


# --- upload, describe, read --------------------------------------------------------------
@pytest.mark.slow
def test_upload_is_described_once_and_reads_as_the_cli_prints_it(served, speech_clip, tmp_path):
    app, client, video_id, tmp = served
    again = client.upload(speech_clip, "another name.mp4")
    assert again.status_code == 202
    assert again.json() == {"id": video_id, "name": "speech clip.mp4", "status": "done",  # same content, same video
                            "new": False}
    listed = client.get("/api/videos").json()
    assert [(v["id"], v["status"], v["kind"]) for v in listed["videos"]] == [(video_id, "done", "video")]
    assert listed["total"] == 1

    body = client.get(f"/api/videos/{video_id}/description")
    assert body.status_code == 200 and body.headers["content-type"] == "application/json"
    description = Description.from_json(body.content)
    assert {"speech", "objects"} <= set(description.modules)
    assert any("whiskers" in e.text.lower() for e in description.by_module("speech"))

    # The CLI on the stored file, with the same settings, prints the same description.
    from typer.testing import CliRunner

    from videochat_text.cli import app as cli

    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"cache": {"dir": str(tmp / "cache")}, "summary": {"backend": "merge"}}))
    stored = app.state.server.store.get(video_id).path
    printed = CliRunner().invoke(cli, ["describe", str(stored), "--config", str(config), "--format", "json"])
    assert printed.exit_code == 0, printed.output
    # ...named as the upload, with no path of the server in it (what the page's downloads give).
    named = Description.from_json(printed.stdout).named("speech clip.mp4")
    assert json.loads(named.to_json()) == json.loads(body.content)
    for fmt, render in [("srt", description.to_srt), ("markdown", description.to_markdown), ("text", description.to_text)]:
        response = client.get(f"/api/videos/{video_id}/description", params={"format": fmt})
        assert response.status_code == 200 and response.text == render()
    assert client.get(f"/api/videos/{video_id}/description", params={"format": "pdf"}).status_code == 422


@pytest.mark.slow
def test_boxes_and_frame_images_show_the_detections(served, speech_clip):
    app, client, video_id, _ = served
    boxes = client.get(f"/api/videos/{video_id}/boxes").json()
    assert (boxes["width"], boxes["height"], boxes["every_s"]) == (640, 480, 1.0)
    at_one = next(f for f in boxes["frames"] if f["time"] == 1.0)
    assert [b["label"] for b in at_one["boxes"]] == ["person"]

    import cv2

    from videochat_text.video import iter_frames

    response = client.get(f"/api/videos/{video_id}/frames/1.0.jpg")
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    drawn = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
    plain = next(iter_frames(speech_clip, every_s=1.0, span=(1.0, 2.0))).image[..., ::-1]
    assert drawn.shape == plain.shape == (480, 640, 3)
    x1, y1, x2, y2 = (round(v) for v in at_one["boxes"][0]["box"])
    edge = np.abs(drawn[y1:y2, max(0, x1 - 1):x1 + 2].astype(int) - plain[y1:y2, max(0, x1 - 1):x1 + 2]).mean()
    elsewhere = np.abs(drawn.astype(int) - plain).mean()
    assert edge > 40 > elsewhere  # the box's edge is drawn; the rest is the frame (JPEG noise only)
    assert client.get(f"/api/videos/{video_id}/frames/99.jpg").status_code == 404


# --- asking ----------------------------------------------------------------------------
@pytest.mark.slow
def test_ask_keeps_a_bounded_conversation(served):
    app, client, video_id, _ = served
    first = client.post(f"/api/videos/{video_id}/ask", json={"question": "What does the cat do?"})
    assert first.status_code == 200
    body = first.json()
    assert body["answer"] == "echo: What does the cat do?" and body["citations"] == []
    session = body["session"]
    for n in range(3):
        again = client.post(f"/api/videos/{video_id}/ask", json={"question": f"and then {n}?", "session": session})
        assert again.json()["session"] == session
    remembered = app.state.server.sessions.get(session, video_id).session.history
    assert [m.content for m in remembered] == ["and then 1?", "echo: and then 1?", "and then 2?", "echo: and then 2?"]

    # At most serve.max_sessions (3) conversations live in memory: the least recently used leaves it,
    # and comes back from the library file, its last serve.session_turns turns remembered.
    others = [client.post(f"/api/videos/{video_id}/ask", json={"question": "hi"}).json()["session"] for _ in range(3)]
    assert session not in others and session not in app.state.server.sessions._conversations
    restored = client.post(f"/api/videos/{video_id}/ask", json={"question": "and now?", "session": session})
    assert restored.json()["session"] == session
    remembered = app.state.server.sessions.get(session, video_id).session.history
    assert [m.content for m in remembered] == ["and then 2?", "echo: and then 2?", "and now?", "echo: and now?"]


@pytest.mark.slow
def test_ask_streams_events_that_add_up_to_the_answer(served):
    app, client, video_id, _ = served
    # Three questions in one: asked one at a time, each answer streamed as it is verified.
    question = "Table? End? Why?"
    response = client.post(f"/api/videos/{video_id}/ask", json={"question": question},
                           headers={"Accept": "text/event-stream"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = [(block.split("\n")[0][len("event: "):], json.loads(block.split("\n")[1][len("data: "):]))
              for block in response.text.strip().split("\n\n")]
    chunks = [data["text"] for kind, data in events if kind == "chunk"]
    assert chunks == ["echo: Table?", " echo: End?", " echo: Why?"]  # the first part streamed, then each part
    kind, done = events[-1]
    assert kind == "done" and done["answer"] == "".join(chunks)
    assert done["citations"] == [] and done["session"]


@pytest.mark.slow
@pytest.mark.parametrize(("body", "status", "message"), [
    ({"question": "   "}, 400, "the question is empty"),
    ({"question": "?!?"}, 422, "?!?"),  # a QuestionError: no words, only punctuation
    ({}, 422, "body.question: Field required"),
    ({"question": "x" * 5000}, 422, "body.question"),
])
def test_bad_questions_get_one_clear_error(served, body, status, message):
    app, client, video_id, _ = served
    response = client.post(f"/api/videos/{video_id}/ask", json=body)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_unknown_videos_are_404_with_a_message(tmp_path):
    client = Client(_app(tmp_path))
    for method, url in [("GET", "/api/videos/0123456789abcdef"), ("GET", "/api/videos/../../etc/description"),
                        ("POST", "/api/videos/0123456789abcdef/ask"), ("GET", "/api/videos/nothex/media"),
                        ("DELETE", "/api/videos/0123456789abcdef")]:
        response = client.request(method, url, json={"question": "hi"})
        assert response.status_code == 404, url
        assert set(response.json()) == {"error"}


def test_describing_runs_in_the_background_and_never_blocks_the_api(tmp_path, gate):
    # "echo: hi" claims a word no entry holds: the answer checks would ask again (the echo is by design)
    client = Client(_app(tmp_path, perception={"modules": ["gate"]}, chat={"check_answers": False}))
    video_id = client.upload(Path(__file__).parents[1] / "examples" / "demo.mp4").json()["id"]
    deadline = time.monotonic() + 30
    while client.get(f"/api/videos/{video_id}").json()["progress"]["stage"] != "module gate":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    status = client.get(f"/api/videos/{video_id}").json()
    assert status["status"] == "describing" and status["error"] is None
    for url in [f"/api/videos/{video_id}/description", f"/api/videos/{video_id}/boxes"]:
        early = client.get(url)
        assert early.status_code == 409 and "not described yet (status: describing)" in early.json()["error"]
    assert client.post(f"/api/videos/{video_id}/ask", json={"question": "hi"}).status_code == 409
    assert client.get("/api/health").json()["status"] == "ok"
    gate.opened.set()
    assert client.described(video_id)["status"] == "done"
    assert client.post(f"/api/videos/{video_id}/ask", json={"question": "hi"}).json()["answer"] == "echo: hi"
    assert gate.runs == 1


def test_a_failing_chat_model_is_a_502_with_the_cli_message(tmp_path, gate):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    class Broken(FakeListChatModel):
        def _call(self, *args, **kwargs):
            raise RuntimeError("connection refused")

        def _stream(self, *args, **kwargs):
            raise RuntimeError("connection refused")

    gate.opened.set()
    client = Client(_app(tmp_path, chat_model=Broken(responses=["x"]), perception={"modules": ["gate"]}))
    video_id = client.upload(Path(__file__).parents[1] / "examples" / "demo.mp4").json()["id"]
    client.described(video_id)
    response = client.post(f"/api/videos/{video_id}/ask", json={"question": "hi"})
    assert response.status_code == 502
    assert response.json() == {"error": "the chat model failed to answer: RuntimeError: connection refused"}
    streamed = client.post(f"/api/videos/{video_id}/ask", json={"question": "hi"}, headers={"Accept": "text/event-stream"})
    assert streamed.text.strip().endswith('"the chat model failed to answer: RuntimeError: connection refused"}')


# --- bad uploads -------------------------------------------------------------------------
@pytest.fixture
def truncated_without_index(speech_clip, tmp_path) -> bytes:
    data = speech_clip.read_bytes()
    return data[: len(data) // 2]  # the index (moov) sits at the end: lost


@pytest.fixture
def audio_only(tmp_path) -> bytes:
    import subprocess

    path = tmp_path / "tone.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", str(path)], check=True)
    return path.read_bytes()


@pytest.mark.parametrize(("content", "status", "message"), [
    (b"", 422, "empty.mp4: file is empty (0 bytes)"),
    (b"just some text, not a video\n" * 10, 422, "empty.mp4: not a readable video"),
    ("truncated", 422, "empty.mp4: not a readable video"),
])
def test_bad_uploads_get_the_cli_message_and_leave_nothing(tmp_path, content, status, message, request):
    app = _app(tmp_path)
    client = Client(app)
    fixture = {"truncated": "truncated_without_index", "audio only": "audio_only"}.get(content)
    data = request.getfixturevalue(fixture) if fixture else content
    response = client.upload(data, "empty.mp4")
    assert response.status_code == status
    assert response.json()["error"].startswith(message)
    assert "/tmp" not in response.json()["error"] and ".upload-" not in response.json()["error"]
    assert list(app.state.server.store.directory.iterdir()) == []


class Decoded(PerceptionModule):
    """Reports the frames and sound it was given (no models): what decoded of an upload."""

    name = "decoded"
    consumes = frozenset({"frames", "audio"})

    def run(self, media):
        last = max(f.time for f in media.frames)
        return [Event(start=0.0, end=last, module=self.name, data={"last_frame": last},
                      text=f"{len(media.frames)} frames, {len(media.audio) / 16000:.1f} s of sound")]


def test_a_truncated_upload_that_decodes_in_part_is_described_with_its_gap(tmp_path, truncated_clip):
    register_module(Decoded)
    try:
        client = Client(_app(tmp_path, perception={"modules": ["decoded"]}))
        video_id = client.upload(truncated_clip).json()["id"]
        status = client.described(video_id)
    finally:
        unregister_module(Decoded.name)
    assert status["status"] == "done"
    description = client.get(f"/api/videos/{video_id}/description").json()
    gaps = {e["data"]["stream"]: e for e in description["events"] if e["module"] == "decode"}
    assert set(gaps) == {"video", "audio"}  # the half cut off is marked, for frames and for sound
    duration = status["duration"]
    assert 0.3 * duration <= gaps["video"]["start"] <= 0.7 * duration and gaps["video"]["end"] == pytest.approx(duration)
    decoded = next(e for e in description["events"] if e["module"] == "decoded")
    assert 0 < decoded["data"]["last_frame"] < gaps["video"]["start"]  # the first half is described
    text = client.get(f"/api/videos/{video_id}/description", params={"format": "text"}).text
    assert "no video frames could be decoded here" in text and "no audio could be decoded here" in text


def test_a_described_upload_is_prepared_for_its_first_question(tmp_path, gate):
    """Issue 22: the chat model evaluates a new description right after it is stored, in the
    background, so the first question evaluates only its own tokens."""
    vc = VideoChat({"cache": {"dir": str(tmp_path / "cache")}, "summary": {"backend": "merge"},
                    "perception": {"modules": ["gate"]}}, chat_model=EchoChatModel())
    prepared = threading.Event()
    seen = []
    vc.prepare = lambda description: seen.append(description) or prepared.set() or True
    app = create_app(videochat=vc)
    client = Client(app)
    try:
        demo = (Path(__file__).parents[1] / "examples" / "demo.mp4").read_bytes()
        video_id = client.upload(demo, "first.mp4").json()["id"]
        assert not prepared.wait(0.5)  # not before it is described
        gate.opened.set()
        assert client.described(video_id)["status"] == "done"
        assert prepared.wait(30) and len(seen) == 1
        shown = client.get(f"/api/videos/{video_id}/description", params={"format": "text"}).text
        assert seen[0].to_text().splitlines()[1:] == shown.splitlines()[1:]  # the API names the video as uploaded
    finally:
        app.state.server.close()


@pytest.mark.parametrize("chunked", [False, True])
def test_uploads_over_the_limit_are_413_and_leave_nothing(tmp_path, speech_clip, chunked):
    app = _app(tmp_path, serve={"max_upload_mb": 0.05})
    client = Client(app)
    data = speech_clip.read_bytes()
    assert len(data) > 2 * 0.05 * 2**20
    response = _upload_chunked(client, data) if chunked else client.upload(data, "big.mp4")
    assert response.status_code == 413
    assert "larger than serve.max_upload_mb (0.05 MB)" in response.json()["error"]
    assert list(app.state.server.store.directory.iterdir()) == []


def _upload_chunked(client: Client, data: bytes) -> httpx.Response:
    """An upload without Content-Length: limits must hold while the body arrives."""
    boundary = "b0undary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp4\"\r\n"
            "Content-Type: video/mp4\r\n\r\n").encode()

    async def body():
        yield head
        for i in range(0, len(data), 8192):
            yield data[i:i + 8192]
        yield f"\r\n--{boundary}--\r\n".encode()

    return client.post("/api/videos", content=body(), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


@pytest.mark.parametrize("chunked", [False, True])
def test_uploads_past_the_storage_quota_are_507_and_leave_nothing(tmp_path, gate, chunked):
    gate.opened.set()
    app = _app(tmp_path, perception={"modules": ["gate"]}, serve={"max_storage_gb": 0.5 * 2**20 / 2**30})  # 0.5 MB
    client = Client(app)
    demo = (Path(__file__).parents[1] / "examples" / "demo.mp4").read_bytes()  # 157 KB
    first = client.upload(demo, "first.mp4").json()["id"]
    kept = sorted(p.name for p in app.state.server.store.directory.iterdir())
    bigger = demo + b"\0" * 300_000  # fits alone (0.44 MB), not beside the first
    response = _upload_chunked(client, bigger) if chunked else client.upload(bigger, "second.mp4")
    assert response.status_code == 507
    assert "no room left under serve.max_storage_gb (0.000488281 GB" in response.json()["error"]
    assert sorted(p.name for p in app.state.server.store.directory.iterdir()) == kept  # no temp file left
    listed = client.get("/api/videos").json()
    assert [v["id"] for v in listed["videos"]] == [first] and listed["total"] == 1
    client.described(first)
    assert client.delete(f"/api/videos/{first}").status_code == 204
    assert client.upload(bigger, "second.mp4").status_code == 202  # room again


def test_the_client_file_name_is_a_label_never_a_path(tmp_path, gate):
    gate.opened.set()
    app = _app(tmp_path, perception={"modules": ["gate"]})
    client = Client(app)
    response = client.upload(Path(__file__).parents[1] / "examples" / "demo.mp4", "../../../etc/evil.mp4")
    assert response.status_code == 202 and response.json()["name"] == "evil.mp4"
    stored = sorted(p.name for p in app.state.server.store.directory.iterdir())
    assert stored == [f"{response.json()['id']}.video"]  # its name is in the library
    assert client.post("/api/videos", files={"other": ("a.mp4", b"x")}).json() == {
        "error": "send the video as the multipart form field 'file'"}


# --- safety ----------------------------------------------------------------------------
@pytest.mark.parametrize(("host", "token", "exception"), [
    ("127.0.0.1", None, does_not_raise()),
    ("::1", None, does_not_raise()),
    ("localhost", None, does_not_raise()),
    ("0.0.0.0", None, pytest.raises(ConfigError, match="set serve.token")),
    ("192.168.1.20", None, pytest.raises(ConfigError, match="set serve.token")),
    ("example.org", None, pytest.raises(ConfigError, match="set serve.token")),
    ("0.0.0.0", "a-long-token", does_not_raise()),
])
def test_binding_beyond_loopback_needs_a_token(host, token, exception):
    with exception:
        check_bind(host, load_settings({"serve": {"token": token}}))


def test_cli_refuses_a_public_bind_without_a_token_in_one_line(monkeypatch):
    from typer.testing import CliRunner

    from videochat_text.cli import app as cli

    monkeypatch.delenv("VIDEOCHAT_TEXT_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: serving on 0.0.0.0 would let anyone on the network use it: set serve.token in the config "
        "(or the environment variable VIDEOCHAT_TEXT_TOKEN), or bind 127.0.0.1"]


def test_the_cli_does_not_import_the_web_stack_at_start():
    import subprocess
    import sys

    code = "import sys, videochat_text.cli; print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_with_a_token_every_api_call_needs_it(tmp_path, monkeypatch, gate):
    gate.opened.set()
    monkeypatch.setenv("VIDEOCHAT_TEXT_TOKEN", "s3cret-token-1234")
    app = _app(tmp_path, perception={"modules": ["gate"]})
    anonymous, wrong = Client(app), Client(app, {"Authorization": "Bearer nope"})
    authorized = Client(app, {"Authorization": "Bearer s3cret-token-1234"})
    demo = Path(__file__).parents[1] / "examples" / "demo.mp4"
    for client in (anonymous, wrong):
        for method, url in [("GET", "/api/videos"), ("POST", "/api/videos"), ("GET", "/v1/models"),
                            ("POST", "/v1/chat/completions"), ("GET", "/api/videos/0123456789abcdef/media")]:
            response = client.request(method, url)
            assert response.status_code == 401, url
            assert response.headers["www-authenticate"] == "Bearer"
        assert "needs a token" in anonymous.get("/api/videos").json()["error"]
    assert anonymous.get("/api/health").status_code == 200  # liveness, without a token
    assert anonymous.get("/").status_code == 200  # the page asks for the token itself
    video_id = authorized.upload(demo).json()["id"]
    assert authorized.described(video_id)["status"] == "done"
    assert authorized.get(f"/api/videos/{video_id}/media").status_code == 200
    # The page's cookie stands in for the header where a browser cannot send one: reading media.
    cookie = Client(app, {"Cookie": "videochat_text_token=s3cret-token-1234"})
    assert cookie.get(f"/api/videos/{video_id}/media").status_code == 200
    assert cookie.post(f"/api/videos/{video_id}/ask", json={"question": "hi"}).status_code == 401


def test_an_empty_or_short_token_is_a_config_error(monkeypatch):
    with pytest.raises(ConfigError, match="config serve.token: .*at least 8 characters"):
        load_settings({"serve": {"token": ""}})
    monkeypatch.setenv("VIDEOCHAT_TEXT_TOKEN", "short")
    with pytest.raises(ConfigError, match="^VIDEOCHAT_TEXT_TOKEN: use at least 8 characters"):
        load_settings({})


def test_token_from_the_environment_and_kept_out_of_descriptions(monkeypatch):
    monkeypatch.setenv("VIDEOCHAT_TEXT_TOKEN", "from-the-env-123")
    settings = load_settings({})
    assert settings.serve.token.get_secret_value() == "from-the-env-123"
    assert "serve" not in settings.public_dump()


def test_no_cors_unless_configured(tmp_path):
    preflight = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}
    closed = Client(_app(tmp_path / "a"))
    assert "access-control-allow-origin" not in closed.request("OPTIONS", "/api/videos", headers=preflight).headers
    assert "access-control-allow-origin" not in closed.get("/api/videos", headers={"Origin": "https://elsewhere.example"}).headers
    opened = Client(_app(tmp_path / "b", serve={"cors_origins": ["https://tools.example"]}))
    allowed = opened.request("OPTIONS", "/api/videos", headers={**preflight, "Origin": "https://tools.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://tools.example"
    other = opened.request("OPTIONS", "/api/videos", headers=preflight)
    assert "access-control-allow-origin" not in other.headers


def test_delete_forgets_the_video(tmp_path, gate):
    gate.opened.set()
    client = Client(_app(tmp_path, perception={"modules": ["gate"]}))
    video_id = client.upload(Path(__file__).parents[1] / "examples" / "demo.mp4").json()["id"]
    client.described(video_id)
    assert client.delete(f"/api/videos/{video_id}").status_code == 204
    assert client.get(f"/api/videos/{video_id}").status_code == 404
    assert client.get(f"/api/videos/{video_id}/media").status_code == 404
    assert client.get("/api/videos").json() == {"videos": [], "total": 0}


# --- a real server -------------------------------------------------------------------------
def test_real_server_ranges_progress_stream_and_restart(tmp_path, gate):
    demo = Path(__file__).parents[1] / "examples" / "demo.mp4"
    data = demo.read_bytes()
    with LiveServer(_app(tmp_path, perception={"modules": ["gate"]})) as server:
        video_id = httpx.post(f"{server.url}/api/videos", files={"file": ("demo.mp4", data, "video/mp4")}).json()["id"]
        seen = []
        with httpx.stream("GET", f"{server.url}/api/videos/{video_id}/progress", timeout=30) as progress:
            assert progress.headers["content-type"].startswith("text/event-stream")
            for line in progress.iter_lines():
                if line.startswith("data: "):
                    seen.append(json.loads(line[6:]))
                    if seen[-1]["progress"]["stage"] == "module gate":
                        gate.opened.set()
        assert seen[0]["status"] in ("queued", "describing") and seen[-1]["status"] == "done"

        media = f"{server.url}/api/videos/{video_id}/media"
        whole = httpx.get(media)
        assert whole.status_code == 200 and whole.content == data and whole.headers["accept-ranges"] == "bytes"
        part = httpx.get(media, headers={"Range": "bytes=100-1099"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 100-1099/{len(data)}"
        assert part.content == data[100:1100]
        assert httpx.get(media, headers={"Range": f"bytes={len(data) + 10}-"}).status_code == 416
    assert gate.runs == 1

    # A new server over the same folders finds the video described, without describing it again.
    with LiveServer(_app(tmp_path, perception={"modules": ["gate"]})) as server:
        status = httpx.get(f"{server.url}/api/videos/{video_id}").json()
        deadline = time.monotonic() + 30
        while status["status"] != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
            status = httpx.get(f"{server.url}/api/videos/{video_id}").json()
        assert status["status"] == "done" and status["name"] == "demo.mp4"
        answer = httpx.post(f"{server.url}/api/videos/{video_id}/ask", json={"question": "still there?"})
        assert answer.json()["answer"] == "echo: still there?"
    assert gate.runs == 1


def test_openai_client_talks_to_a_video(tmp_path, gate):
    import openai

    gate.opened.set()
    demo = Path(__file__).parents[1] / "examples" / "demo.mp4"
    with LiveServer(_app(tmp_path, perception={"modules": ["gate"]})) as server:
        video_id = httpx.post(f"{server.url}/api/videos", files={"file": ("demo.mp4", demo.read_bytes())}).json()["id"]
        client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)
        deadline = time.monotonic() + 30
        while f"video:{video_id}" not in [m.id for m in client.models.list()]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "What is shown?"},
                    {"role": "assistant", "content": "A photo."}, {"role": "user", "content": "And then?"}]
        completion = client.chat.completions.create(model=f"video:{video_id}", messages=messages)
        assert completion.choices[0].message.content == "echo: And then?"
        assert completion.model_extra["citations"] == []
        stream = client.chat.completions.create(model=f"video:{video_id}", messages=messages, stream=True)
        chunks = list(stream)
        assert "".join(c.choices[0].delta.content or "" for c in chunks) == "echo: And then?"
        assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].model_extra["citations"] == []
        with pytest.raises(openai.NotFoundError, match="is not a video"):
            client.chat.completions.create(model="gpt-4o", messages=messages)
        with pytest.raises(openai.BadRequestError, match="last message must be the user's question"):
            client.chat.completions.create(model=f"video:{video_id}", messages=messages[:3])


class _CliServer:
    """``python -m videochat_text serve`` in a subprocess on a free port."""

    def __init__(self, config: Path):
        import subprocess
        import sys

        from devkit.serving import free_port

        self.url = f"http://127.0.0.1:{free_port()}"
        # A file, not a pipe: the server's describe workers inherit it and may outlive the server,
        # and reading a pipe they still hold would wait for them.
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen([sys.executable, "-m", "videochat_text", "serve", "--port",
                                         self.url.rsplit(":", 1)[1], "--config", str(config)],
                                        stdout=subprocess.DEVNULL, stderr=self._stderr, text=True)
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.errors()
            try:
                if httpx.get(f"{self.url}/api/health").status_code == 200:
                    return
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.2)

    def errors(self) -> str:
        """What the server wrote to stderr so far."""
        self._stderr.seek(0)
        return self._stderr.read()

    def status(self, video_id: str) -> dict:
        return httpx.get(f"{self.url}/api/videos/{video_id}").json()


@pytest.mark.slow
def test_ctrl_c_while_describing_stops_cleanly_and_the_next_start_describes_it(tmp_path):
    import signal

    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"cache": {"dir": str(tmp_path / "cache")}, "summary": {"backend": "merge"},
                                  "perception": {"modules": ["speech"]}}))
    demo = Path(__file__).parents[1] / "examples" / "demo.mp4"
    server = _CliServer(config)
    video_id = httpx.post(f"{server.url}/api/videos", files={"file": ("demo.mp4", demo.read_bytes())}).json()["id"]
    while server.status(video_id)["progress"]["stage"] != "module speech":
        assert server.process.poll() is None
        time.sleep(0.05)
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(60) == 0
    assert "terminate called" not in server.errors()

    again = _CliServer(config)
    try:  # a worker process starts and loads Whisper and the embeddings first: minutes on busy cores
        deadline = time.monotonic() + 300
        while again.status(video_id)["status"] != "done":
            assert time.monotonic() < deadline and again.process.poll() is None
            time.sleep(0.2)
    finally:
        again.process.terminate()
        again.process.wait(30)


@pytest.mark.slow
def test_cli_serve_answers_with_the_real_default_chat_model(tmp_path):
    """``videochat-text serve`` as a user starts it, with the packaged local chat model (loaded once)."""
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"cache": {"dir": str(tmp_path / "cache")}, "summary": {"backend": "merge"},
                                  "perception": {"modules": ["speech"]}}))
    server = _CliServer(config)
    try:
        demo = Path(__file__).parents[1] / "examples" / "demo.mp4"
        video_id = httpx.post(f"{server.url}/api/videos", files={"file": ("demo.mp4", demo.read_bytes())}).json()["id"]
        deadline = time.monotonic() + 180
        while server.status(video_id)["status"] != "done":
            assert server.process.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        try:
            response = httpx.post(f"{server.url}/api/videos/{video_id}/ask",
                                  json={"question": "What is the cat's name?"}, timeout=300)
        except httpx.TransportError:
            server.process.wait(10)
            pytest.fail(f"the server died answering (exit {server.process.returncode}): "
                        f"{server.errors()[-2000:]}")
        assert response.status_code == 200, response.text
        answer = response.json()
        assert "whiskers" in answer["answer"].lower()  # the name the clip says, from the local model
        description = httpx.get(f"{server.url}/api/videos/{video_id}/description").json()
        said = [e for e in description["events"] if e["module"] == "speech" and "whiskers" in e["text"].lower()]
        assert said
        assert any(c["module"] == "speech" and set(c["event_ids"]) & {e["id"] for e in said}
                   and c["start"] <= said[0]["start"] + 0.5 for c in answer["citations"])  # and points where it is said
    finally:
        server.process.terminate()
        server.process.wait(10)


def test_api_citations_carry_the_event_ids_they_stand_for(tmp_path):
    from videochat_text.answering import Answer, Citation
    from videochat_text.library.store import LibraryStore
    from videochat_text.serve.sessions import Conversation, SessionStore

    library = LibraryStore(tmp_path / "library.sqlite")
    library.register("/v/cat.mp4", sha256="ab" * 32, name="cat.mp4", info={}, owned=False)
    sessions = SessionStore(library, max_sessions=2, ttl_s=60, turns=2)
    cited = Answer(text=" Whiskers. ", citations=[
        Citation(start=4.3, end=7.1, module="speech", text='"My cat is called whiskers."', event_ids=("speech-2",)),
        Citation(start=1.0, end=2.0, module="objects", text="cat", event_ids=("objects-1", "objects-4"),
                 video="ab" * 8)])
    conversation = Conversation(id="", video_id=None, session=None)
    assert sessions.answer_fields(conversation, cited) == {"answer": "Whiskers.", "citations": [
        {"start": 4.3, "end": 7.1, "module": "speech", "text": '"My cat is called whiskers."',
         "event_ids": ["speech-2"], "video": None},
        {"start": 1.0, "end": 2.0, "module": "objects", "text": "cat", "event_ids": ["objects-1", "objects-4"],
         "video": {"id": "ab" * 8, "name": "cat.mp4"}}]}


def test_two_workers_describe_two_videos_at_once(tmp_path, gate):
    app = _app(tmp_path, perception={"modules": ["gate"]}, serve={"workers": 2})
    client = Client(app)
    demo = Path(__file__).parents[1] / "examples" / "demo.mp4"
    ids = [client.upload(demo.read_bytes() + b"\0" * n, f"copy {n}.mp4").json()["id"] for n in range(2)]
    deadline = time.monotonic() + 30
    while [client.get(f"/api/videos/{i}").json()["status"] for i in ids] != ["describing", "describing"]:
        assert time.monotonic() < deadline, "the second video waited for the first"
        time.sleep(0.05)
    gate.opened.set()
    assert [client.described(i)["status"] for i in ids] == ["done", "done"]
    assert gate.runs == 2


def test_conversations_expire_after_their_ttl(tmp_path):
    from videochat_text.library.store import LibraryStore
    from videochat_text.serve.sessions import SessionStore

    store = SessionStore(LibraryStore(tmp_path / "library.sqlite"), max_sessions=10, ttl_s=0.2, turns=3)
    kept = store.start("v1", session=object())
    assert store.get(kept.id, "v1") is kept
    assert store.get(kept.id, "v2") is None  # a session belongs to one video
    time.sleep(0.3)
    assert store.get(kept.id, "v1") is None and len(store) == 0


def test_concurrent_conversations_never_mix(tmp_path, gate):
    """Clients asking at once, each in its own conversation, each get their own answers and history."""
    gate.opened.set()
    # the echo as the answer: the answer checks would withhold it ("echo" is in no entry), and a question that
    # reads as French ("client 0 question 0") would be put to the model translated — neither is what this tests
    app = _app(tmp_path, chat_model=EchoChatModel(delay_s=0.01), perception={"modules": ["gate"]},
               chat={"check_answers": False})
    demo = Path(__file__).parents[1] / "examples" / "demo.mp4"
    with LiveServer(app) as server:
        sync = httpx.Client(base_url=server.url)
        video_id = sync.post("/api/videos", files={"file": ("demo.mp4", demo.read_bytes())}).json()["id"]
        while sync.get(f"/api/videos/{video_id}").json()["status"] != "done":
            time.sleep(0.05)

        async def client(n: int) -> tuple[str, list[str]]:
            session, answers = None, []
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
                for q in range(3):
                    streamed = q % 2 == 1
                    response = await http.post(f"/api/videos/{video_id}/ask",
                                               json={"question": f"client {n} turn {q}", "session": session},
                                               headers={"Accept": "text/event-stream"} if streamed else {})
                    body = _last_event(response.text) if streamed else response.json()
                    assert session in (None, body["session"])
                    session = body["session"]
                    answers.append(body["answer"])
            return session, answers

        async def everyone():
            return await asyncio.gather(*(client(n) for n in range(6)))

        results = asyncio.run(everyone())
    assert len({session for session, _ in results}) == 6
    for n, (session, answers) in enumerate(results):
        asked = [f"client {n} turn {q}" for q in range(3)]
        assert answers == [f"echo: {question}" for question in asked]
        history = app.state.server.sessions.get(session, video_id).session.history
        assert [m.content for m in history if m.type == "human"] == asked


def test_openapi_documents_the_project_models(tmp_path):
    spec = Client(_app(tmp_path)).get("/openapi.json").json()
    assert {"Description", "Citation", "AskResponse", "VideoStatus", "Uploaded", "ErrorBody"} <= set(spec["components"]["schemas"])
    ask = spec["paths"]["/api/videos/{video_id}/ask"]["post"]["responses"]
    assert ask["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AskResponse"}
    assert ask["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


def test_an_upload_is_kept_byte_for_byte_and_other_fields_are_skipped(tmp_path, gate):
    gate.opened.set()
    app = _app(tmp_path, perception={"modules": ["gate"]})
    data = (Path(__file__).parents[1] / "examples" / "demo.mp4").read_bytes() + bytes(range(256)) * 12_000  # ~3 MB
    response = Client(app).post("/api/videos", files={"note": (None, "ignored"), "file": ("big.mp4", data, "video/mp4"),
                                                      "after": (None, "--not a boundary--")})
    assert response.status_code == 202, response.text
    assert app.state.server.store.get(response.json()["id"]).path.read_bytes() == data
    assert [p.name for p in app.state.server.store.directory.iterdir() if p.name.startswith(".")] == []
    broken = Client(app).post("/api/videos", content=b"--x\r\nnot multipart at all",
                              headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert broken.status_code == 400 and set(broken.json()) == {"error"}


@pytest.mark.slow
def test_serve_benchmark_reports_no_errors_and_no_mixed_answers():
    import subprocess
    import sys

    script = Path(__file__).parents[1] / "benchmarks" / "serve.py"
    result = subprocess.run([sys.executable, str(script), "--sequential", "3", "--clients", "3", "--questions", "2",
                             "--uploads", "1", "--queued", "20", "--over", "10",
                             "--json"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert [(r["clients"], r["stream"]) for r in report["questions"]] == [(1, False), (1, True), (3, False), (3, True)]
    for run in report["questions"]:
        assert run["answered"] == run["requests"] and run["errors"] == run["mixed"] == 0
    assert report["uploads"]["described"] == report["uploads"]["distinct_ids"] == 1
    assert report["uploads"]["peak_rss_mb"] > 100
    queued = report["queued"]  # every question answered or refused with 429, none lost
    assert set(queued["outcomes"]) <= {"answered", "429"} and sum(queued["outcomes"].values()) == 31
    assert {"health", "listing", "status", "description", "media"} == set(queued["routes"])
