"""The server backed by the library: one store for the page, the API and ``videochat-text library``.

Videos added with ``library add`` appear in the API and uploads appear in ``library list``; search
and ask across every video; conversations kept in the library file across restarts; a data folder
from before the library is adopted; a library file that cannot be used is a 503 (CLI: exit 7);
describing in worker processes, where a worker that dies costs its video a retry; the CLI and a
real server writing one library at once.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from devkit.serving import EchoChatModel, LiveServer, ServerProcess
from tests.library_media import library_config, make_library_clips
from tests.test_serve import Client, _last_event
from videochat_text import Event, PerceptionModule, VideoChat, register_module, unregister_module
from videochat_text.cache import file_digest
from videochat_text.library import Library
from videochat_text.library.store import video_id
from videochat_text.serve import create_app

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo.mp4"


def vid(path) -> str:
    return video_id(file_digest(path))


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    return make_library_clips(tmp_path_factory.mktemp("serve-library-clips"))


@pytest.fixture(scope="module")
def added(tmp_path_factory, clips):
    """A library of the five clips, added as ``videochat-text library add`` adds them."""
    tmp = tmp_path_factory.mktemp("serve-library")
    config = library_config(tmp, embeddings=False)
    report = Library(config).add(list(clips.values()), in_process=True)
    assert not report.failed
    return config


def _app(config: dict, chat_model=None, **settings):
    vc = VideoChat({**config, **settings}, chat_model=chat_model or EchoChatModel())
    return create_app(videochat=vc)


class Stamp(PerceptionModule):
    """Describes at once with one event (the tests here are about the store, not perception)."""

    name = "stamp"
    consumes = frozenset()

    def run(self, media):
        return [Event(start=0.0, end=1.0, module="stamp", text="a stamp on the video")]


@pytest.fixture
def stamp():
    register_module(Stamp)
    yield Stamp
    unregister_module(Stamp.name)


def test_videos_added_with_the_cli_are_listed_paged_and_filtered(added, clips):
    app = _app(added)
    client = Client(app)
    listed = client.get("/api/videos", params={"limit": 2}).json()
    assert listed["total"] == 5 and len(listed["videos"]) == 2
    rest = client.get("/api/videos", params={"offset": 2, "limit": 10}).json()["videos"]
    every = listed["videos"] + rest
    assert sorted(v["id"] for v in every) == sorted(vid(p) for p in clips.values())
    assert {v["status"] for v in every} == {"done"} and {v["kind"] for v in every} == {"video"}
    found = client.get("/api/videos", params={"name": "PASS"}).json()
    assert found == {"total": 1, "videos": [next(v for v in every if v["name"] == "password.mp4")]}
    media = client.get(f"/api/videos/{vid(clips['cat'])}/media")
    assert media.status_code == 200 and media.content == clips["cat"].read_bytes()
    description = client.get(f"/api/videos/{vid(clips['cat'])}/description").json()
    assert any("Oscar" in e["text"] for e in description["events"])
    app.state.server.close()


def test_search_across_every_video_groups_moments_by_video(added, clips):
    app = _app(added)
    client = Client(app)
    body = client.get("/api/search", params={"q": "secret pineapple"}).json()
    assert body["query"] == "secret pineapple" and body["total"] >= 1
    first = body["groups"][0]
    assert first["video"] == {"id": vid(clips["password"]), "name": "password.mp4"}
    moment = first["moments"][0]
    assert set(moment) == {"start", "end", "module", "text", "event_ids", "score"}
    assert "pineapple" in moment["text"] and moment["event_ids"] == ["speech-1"] and moment["module"] == "speech"
    assert client.get("/api/search", params={"q": "?!"}).json() == {"error": "the search query has no words"}
    assert client.get("/api/search").status_code == 422
    app.state.server.close()


def test_ask_across_cites_the_video_in_json_sse_openai_and_the_conversation(added, clips):
    reply = 'The secret password is pineapple, in the video "password".'
    app = _app(added, chat_model=EchoChatModel(reply=reply))
    client = Client(app)
    password = {"id": vid(clips["password"]), "name": "password.mp4"}
    answer = client.post("/api/ask", json={"question": "Which video mentions a password, and what is it?"}).json()
    assert answer["answer"] == reply
    assert [c["video"] for c in answer["citations"]] == [password]
    assert answer["citations"][0]["event_ids"] == ["speech-1"] and "pineapple" in answer["citations"][0]["text"]

    streamed = client.post("/api/ask", json={"question": "And what is it again?", "session": answer["session"]},
                           headers={"Accept": "text/event-stream"})
    done = _last_event(streamed.text)
    assert done["session"] == answer["session"] and done["answer"] == reply
    assert [c["video"] for c in done["citations"]] == [password]

    kept = client.get("/api/conversation").json()
    assert kept["session"] == answer["session"]
    assert [t["question"] for t in kept["turns"]] == ["Which video mentions a password, and what is it?",
                                                      "And what is it again?"]
    assert kept["turns"][1]["citations"][0]["video"] == password
    assert client.delete("/api/conversation").status_code == 204
    assert client.get("/api/conversation").json() == {"session": None, "turns": []}

    models = client.get("/v1/models").json()["data"]
    assert models[0]["id"] == "library" and len(models) == 6
    completion = client.post("/v1/chat/completions", json={"model": "library", "messages": [
        {"role": "user", "content": "Which video mentions a password?"}]}).json()
    assert completion["choices"][0]["message"]["content"] == reply
    assert completion["citations"][0]["video"] == password
    app.state.server.close()


def test_deleting_a_library_video_in_the_page_removes_it_from_the_library_not_the_file(tmp_path, clips):
    config = library_config(tmp_path, embeddings=False)
    Library(config).add([clips["beach"]], in_process=True)
    app = _app(config)
    client = Client(app)
    assert client.delete(f"/api/videos/{vid(clips['beach'])}").status_code == 204
    assert Library(config).list() == [] and clips["beach"].exists()
    app.state.server.close()


def test_uploads_are_library_videos_listed_by_the_cli(tmp_path, stamp):
    config = {**library_config(tmp_path, embeddings=False), "perception": {"modules": ["stamp"]}}
    app = _app(config)
    client = Client(app)
    uploaded = client.upload(DEMO, "my talk.mp4").json()
    assert uploaded["new"] is True and uploaded["id"] == vid(DEMO)
    assert client.described(uploaded["id"])["status"] == "done"
    again = client.upload(DEMO, "other name.mp4").json()
    assert (again["new"], again["name"]) == (False, "my talk.mp4")  # "already uploaded as my talk.mp4"
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    from videochat_text.cli import app as cli

    listed = CliRunner().invoke(cli, ["library", "list", "-c", str(config_file), "--format", "json"])
    [record] = json.loads(listed.stdout)
    assert (record["id"], record["name"], record["status"]) == (uploaded["id"], "my talk.mp4", "done")
    assert Path(record["video"]).parent == tmp_path / "cache" / "uploads"
    removed = CliRunner().invoke(cli, ["library", "remove", uploaded["id"], "-c", str(config_file)])
    assert removed.exit_code == 0 and not Path(record["video"]).exists()  # an upload's file goes with it
    assert client.get(f"/api/videos/{uploaded['id']}").status_code == 404
    app.state.server.close()


def test_conversations_are_restored_after_a_restart_and_new_starts_fresh(tmp_path, stamp):
    config = {**library_config(tmp_path, embeddings=False), "perception": {"modules": ["stamp"]}}
    app = _app(config)
    client = Client(app)
    video = client.upload(DEMO).json()["id"]
    client.described(video)
    first = client.post(f"/api/videos/{video}/ask", json={"question": "What is stamped?"}).json()
    client.post(f"/api/videos/{video}/ask", json={"question": "And then?", "session": first["session"]})
    app.state.server.close()

    app = _app(config)  # a new server over the same library file
    client = Client(app)
    kept = client.get(f"/api/videos/{video}/conversation").json()
    assert kept["session"] == first["session"]
    assert [(t["question"], t["answer"]) for t in kept["turns"]] == [
        ("What is stamped?", "echo: What is stamped?"), ("And then?", "echo: And then?")]
    more = client.post(f"/api/videos/{video}/ask", json={"question": "Anything else?", "session": kept["session"]})
    assert more.json()["session"] == first["session"]
    history = app.state.server.sessions.get(first["session"], video).session.history
    assert [m.content for m in history][::2] == ["What is stamped?", "And then?", "Anything else?"]
    assert client.get(f"/api/videos/{video}/conversation").json()["turns"][-1]["question"] == "Anything else?"

    assert client.delete(f"/api/videos/{video}/conversation").status_code == 204
    assert client.get(f"/api/videos/{video}/conversation").json() == {"session": None, "turns": []}
    fresh = client.post(f"/api/videos/{video}/ask", json={"question": "Hello?"}).json()
    assert fresh["session"] != first["session"]
    assert len(app.state.server.sessions.get(fresh["session"], video).session.history) == 2
    assert client.get("/api/videos/0123456789abcdef/conversation").status_code == 404
    app.state.server.close()


def test_a_data_folder_from_before_the_library_is_adopted(tmp_path, stamp):
    uploads = tmp_path / "cache" / "uploads"
    uploads.mkdir(parents=True)
    digest = file_digest(DEMO)
    shutil.copy(DEMO, uploads / f"{digest[:16]}.video")
    (uploads / f"{digest[:16]}.json").write_text(json.dumps({"name": "old upload.mp4", "uploaded": 1.0,
                                                              "sha256": digest}))
    config = {**library_config(tmp_path, embeddings=False), "perception": {"modules": ["stamp"]}}
    app = _app(config)
    client = Client(app)
    status = client.described(digest[:16])
    assert (status["name"], status["status"]) == ("old upload.mp4", "done")
    assert sorted(p.name for p in uploads.iterdir()) == [f"{digest[:16]}.video"]
    app.state.server.close()


@pytest.mark.parametrize("what", ["junk", "newer"])
def test_a_library_file_that_cannot_be_used_is_503_and_exit_7(tmp_path, what):
    from videochat_text.cli import app as cli
    from videochat_text.library.store import SCHEMA_VERSION, LibraryStore

    config = library_config(tmp_path, embeddings=False)
    path = Path(config["library"]["path"])
    if what == "junk":
        path.write_bytes(b"not a database at all" * 100)
        message = "cannot open it as a library"
    else:
        LibraryStore(path).close()
        db = sqlite3.connect(path)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        db.close()
        message = "was written by a newer videochat-text"
    client = Client(_app(config))
    for response in (client.get("/api/videos"), client.get("/api/search", params={"q": "x"}),
                     client.post("/api/ask", json={"question": "x?"})):
        assert response.status_code == 503 and message in response.json()["error"]
    assert client.get("/v1/models").json()["error"]["message"].startswith(f"library {path}")
    assert client.get("/api/health").status_code == 200
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    for command in (["library", "list", "-c", str(config_file)], ["serve", "--port", "0", "-c", str(config_file)],
                    ["serve", "--port", "0", "--library", str(path)]):
        run = CliRunner().invoke(cli, command)
        assert run.exit_code == 7 and message in run.output and "Traceback" not in run.output


# --- worker processes -------------------------------------------------------------------------
_PLUGIN = '''
import os
from pathlib import Path

from videochat_text import Event, PerceptionModule

MARKS = Path(__file__).parent


class Crashy(PerceptionModule):
    """Kills its worker process while a mark file for the video's size exists (once: `once-N`)."""

    name = "crashy"
    consumes = frozenset()

    def run(self, media):
        size = os.path.getsize(media.info.path)
        once = MARKS / f"once-{size}"
        if once.exists():
            once.unlink()
            os._exit(1)
        if (MARKS / f"always-{size}").exists():
            os._exit(1)
        return [Event(start=0.0, end=1.0, module="crashy", text=f"survived in process {os.getpid()}")]
'''


@pytest.fixture
def crashy_plugin(tmp_path, monkeypatch):
    """A perception module installed as a plugin (an entry point on sys.path), so worker processes find it too."""
    folder = tmp_path / "plugin"
    (folder / "crashy_plugin-0.1.dist-info").mkdir(parents=True)
    (folder / "crashy_plugin.py").write_text(_PLUGIN)
    (folder / "crashy_plugin-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: crashy-plugin\n"
                                                                       "Version: 0.1\n")
    (folder / "crashy_plugin-0.1.dist-info" / "entry_points.txt").write_text(
        "[videochat_text.modules]\ncrashy = crashy_plugin:Crashy\n")
    monkeypatch.syspath_prepend(str(folder))
    return folder


@pytest.mark.slow
def test_a_worker_process_that_dies_costs_its_video_a_retry_not_the_queue(tmp_path, crashy_plugin):
    config = {**library_config(tmp_path, embeddings=False), "perception": {"modules": ["crashy"]},
              "library": {"path": str(tmp_path / "library.sqlite"), "retries": 1}}
    videos = {name: DEMO.read_bytes() + b"\0" * n for n, name in enumerate(["once", "fine", "always"])}
    (crashy_plugin / f"once-{len(videos['once'])}").touch()
    (crashy_plugin / f"always-{len(videos['always'])}").touch()
    app = _app(config)
    client = Client(app)
    ids = {name: client.upload(data, f"{name}.mp4").json()["id"] for name, data in videos.items()}
    statuses = {name: client.described(i, timeout_s=600) for name, i in ids.items()}
    assert statuses["once"]["status"] == "done" and statuses["fine"]["status"] == "done"
    assert statuses["always"]["status"] == "failed"
    assert statuses["always"]["error"].startswith("the worker process died while describing it (2 times")
    events = client.get(f"/api/videos/{ids['fine']}/description").json()["events"]
    assert events[0]["text"].startswith("survived in process")
    assert events[0]["text"] != f"survived in process {os.getpid()}"  # described in a worker, not in the server

    listed = Library(config).list()
    failed = next(r for r in listed if r.id == ids["always"])
    assert failed.status == "failed" and failed.error == statuses["always"]["error"]
    (crashy_plugin / f"always-{len(videos['always'])}").unlink()  # fixed: retry
    assert client.post(f"/api/videos/{ids['always']}/retry").status_code == 202
    assert client.described(ids["always"], timeout_s=600)["status"] == "done"
    assert client.post(f"/api/videos/{ids['always']}/retry").status_code == 409  # nothing left to retry
    app.state.server.close()


@pytest.mark.slow
def test_the_cli_and_a_real_server_writing_one_library_at_once_lose_nothing(tmp_path, clips):
    """WAL and one BEGIN IMMEDIATE per change: a server describing uploads (in its worker process)
    and ``library add`` (in its own) write the same file at the same time."""
    from devkit.synthetic import Line, Shot, make_clip

    import skimage.data

    extra = {name: make_clip(tmp_path / f"{name}.mp4", [Shot(skimage.data.coffee(), 3.0)], [Line(0.2, text)])
             for name, text in [("river", "The river is very cold."), ("train", "The train leaves at noon."),
                                ("guitar", "My brother plays the guitar.")]}
    config = library_config(tmp_path, embeddings=False)
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with ServerProcess(config) as server:
        cli = subprocess.Popen([sys.executable, "-m", "videochat_text", "library", "add",
                                *(str(clips[n]) for n in ("cat", "coffee", "password")), "-c", str(config_file),
                                "--workers", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        uploaded = [httpx.post(f"{server.url}/api/videos", files={"file": (p.name, p.read_bytes())}, timeout=60).json()
                    for p in extra.values()]
        _, stderr = cli.communicate(timeout=900)
        assert cli.returncode == 0, stderr
        deadline = time.monotonic() + 900
        while {httpx.get(f"{server.url}/api/videos/{u['id']}").json()["status"] for u in uploaded} != {"done"}:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        listed = httpx.get(f"{server.url}/api/videos").json()
        assert listed["total"] == 6 and {v["status"] for v in listed["videos"]} == {"done"}
        for phrase, name in [("Oscar", "cat.mp4"), ("cold river", "river.mp4"), ("pineapple", "password.mp4")]:
            groups = httpx.get(f"{server.url}/api/search", params={"q": phrase}).json()["groups"]
            assert groups[0]["video"]["name"] == name
    db = sqlite3.connect(config["library"]["path"])
    assert db.execute("SELECT count(*) FROM videos").fetchone()[0] == 6
    assert db.execute("SELECT count(DISTINCT video_id) FROM entries").fetchone()[0] == 6
    db.execute("INSERT INTO entries_fts (entries_fts) VALUES ('integrity-check')")
    db.close()


@pytest.mark.slow
def test_the_server_describes_uploads_on_ray_with_progress_per_video(tmp_path, clips, monkeypatch, ray_home):
    """``serve --ray local`` (``library.ray``): uploads go to Ray actors; each video's stages come back."""
    pytest.importorskip("ray")
    import ray

    from videochat_text.library.queue import DescribeQueue

    stages: dict[str, set[str]] = {}
    report = DescribeQueue._progress

    def seen(queue, path, stage, done, total):
        stages.setdefault(Path(path).name, set()).add(stage)
        report(queue, path, stage, done, total)

    monkeypatch.setattr(DescribeQueue, "_progress", seen)
    config = {**library_config(tmp_path, embeddings=False),
              "library": {"path": str(tmp_path / "library.sqlite"), "ray": "local", "workers": 2}}
    app = _app(config)
    client = Client(app)
    try:
        ids = [client.upload(clips[name], f"{name}.mp4").json()["id"] for name in ("cat", "password")]
        assert [client.described(i, timeout_s=900)["status"] for i in ids] == ["done", "done"]
        assert client.get("/api/search", params={"q": "pineapple"}).json()["groups"][0]["video"]["id"] == ids[1]
    finally:  # a failure must not leave the queue's threads starting Ray again for the rest of the run
        app.state.server.close()
    assert not ray.is_initialized()  # the Ray the server started is shut down with it
    assert len(stages) == 2 and all("module speech" in s or "decoding audio" in s for s in stages.values()), stages


def _children() -> set[int]:
    """Worker processes of this process (multiprocessing's resource tracker aside)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"resource_tracker" not in command:
                found.add(int(entry.name))
    return found


@pytest.mark.slow
def test_idle_worker_processes_stop_and_start_again_for_the_next_video(tmp_path, crashy_plugin):
    """A server's worker processes hold models (~1 GB each): they stop after ``idle_s`` without a
    video, and start again for the next one."""
    from videochat_text.config import load_settings
    from videochat_text.library.workers import Feed, ProcessPoolRunner

    settings = load_settings({"cache": {"dir": str(tmp_path / "cache")}, "perception": {"modules": ["crashy"]},
                              "summary": {"backend": "merge"}, "retrieval": {"model": str(tmp_path / "none")}})
    feed, before = Feed(), _children()
    runner = ProcessPoolRunner(settings.public_dump(), workers=1, idle_s=1.0)
    outcomes = runner.run(feed, started=lambda path: None)
    copies = [tmp_path / f"demo{n}.mp4" for n in range(2)]
    for n, copy in enumerate(copies):
        copy.write_bytes(DEMO.read_bytes() + b"\0" * n)
    feed.put(str(copies[0]))
    assert next(outcomes).result is not None
    working = _children() - before
    assert working, "no worker process"
    deadline = time.monotonic() + 300
    threading.Timer(5.0, feed.put, args=(str(copies[1]),)).start()  # after the idle time has passed
    second = next(outcomes)
    assert second.result is not None and not (working & _children())  # a new worker did it
    feed.close()
    assert list(outcomes) == [] and time.monotonic() < deadline
