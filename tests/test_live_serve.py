"""A live stream through the server (in-process, no socket): it is listed as live and grows, its
questions read the window they name, its watch rules are added (checked against its modules) and
their matches listed; it has no file to play but a latest picture."""

from __future__ import annotations

import pytest

from tests.live_library import ScriptedStream, said, seen
from tests.test_serve import Client
from videochat_text import VideoChat
from videochat_text.serve import create_app


@pytest.fixture
def served(tmp_path, fake_chat):
    settings = {"cache": {"dir": str(tmp_path / "cache")}, "serve": {"library": str(tmp_path / "lib.sqlite")},
                "retrieval": {"mode": "never"}}
    chat = fake_chat(*["The speaker just said the deadline is Friday."] * 5)
    vc = VideoChat(settings, chat_model=chat)
    stream = ScriptedStream(vc.settings, tmp_path / "lib.sqlite", started_ago_s=120)
    app = create_app(videochat=vc)
    yield Client(app), stream, chat
    app.state.server.close()


def test_a_live_stream_is_listed_as_live_and_its_description_grows(served):
    client, stream, _ = served
    stream.add(40.0, said(10.0, 12.0, "The delivery truck is here.", 1), seen(11.0, "truck", 1))
    listed = client.get("/api/videos").json()["videos"]
    assert [(v["id"], v["status"]) for v in listed] == [(stream.vid, "live")]
    assert listed[0]["started_at"] == pytest.approx(stream.info.started_at)
    first = client.get(f"/api/videos/{stream.vid}/description").json()
    stream.add(80.0, said(70.0, 72.0, "The deadline is Friday.", 2))
    grown = client.get(f"/api/videos/{stream.vid}/description").json()
    assert len(first["events"]) == 2 and len(grown["events"]) == 3  # not a copy kept from before
    assert grown["video"]["duration"] == 80.0 and grown["video"]["started_at"] == pytest.approx(stream.info.started_at)
    progress = client.get(f"/api/videos/{stream.vid}/progress").text
    assert '"status": "live"' in progress or '"status":"live"' in progress  # the events end once it is live


def test_a_question_about_just_now_is_answered_from_the_last_minute_only(served):
    client, stream, chat = served
    stream.add(40.0, said(10.0, 12.0, "The delivery truck is here.", 1))
    stream.add(100.0, said(90.0, 93.0, "The deadline is Friday.", 2))
    reply = client.post(f"/api/videos/{stream.vid}/ask", json={"question": "What did the speaker just say?"})
    assert reply.status_code == 200, reply.text
    prompt = "\n".join(str(m.content) for m in chat.seen[-1])
    assert "The deadline is Friday." in prompt and "delivery truck" not in prompt
    assert "This question is about just say: the last 60 s (" in prompt
    assert reply.json()["citations"][0]["event_ids"] == ["speech-2"]
    # The whole stream when the question names no time:
    client.post(f"/api/videos/{stream.vid}/ask", json={"question": "Was a truck mentioned?"})
    assert "delivery truck" in "\n".join(str(m.content) for m in chat.seen[-1])


def test_watch_rules_are_checked_against_the_streams_modules_and_their_matches_listed(served):
    client, stream, _ = served
    added = client.post(f"/api/videos/{stream.vid}/rules", json={"rule": "a truck is seen"})
    assert added.status_code == 201 and added.json()["text"] == "a truck is seen"
    unicorn = client.post(f"/api/videos/{stream.vid}/rules", json={"rule": "a unicorn is seen"})
    assert unicorn.status_code == 400 and "no running module can see 'unicorn'" in unicorn.json()["error"]
    unreadable = client.post(f"/api/videos/{stream.vid}/rules", json={"rule": "tell me stuff"})
    assert unreadable.status_code == 400 and "seen, said or read" in unreadable.json()["error"]
    not_text = client.post(f"/api/videos/{stream.vid}/rules", json={"rule": "EXIT is read"})
    assert not_text.status_code == 400 and "needs the ocr module" in not_text.json()["error"]
    bad_hook = client.post(f"/api/videos/{stream.vid}/rules", json={"rule": "a cat is seen", "webhook": "file:///x"})
    assert bad_hook.status_code == 400
    rules = client.get(f"/api/videos/{stream.vid}/rules").json()["rules"]
    assert [r["text"] for r in rules] == ["a truck is seen"]
    stream.library.store.add_alert(stream.vid, rule="a truck is seen", start=11.0, end=12.0, module="objects",
                                   text="1 truck (left)", event_ids=["objects-1"])
    alerts = client.get(f"/api/videos/{stream.vid}/alerts").json()["alerts"]
    assert alerts[0]["text"] == "1 truck (left)" and alerts[0]["wall_start"] == pytest.approx(stream.info.started_at + 11)
    assert client.get(f"/api/videos/{stream.vid}/alerts", params={"after": alerts[0]["id"]}).json()["alerts"] == []
    assert client.delete(f"/api/videos/{stream.vid}/rules/{rules[0]['id']}").status_code == 204
    assert client.get(f"/api/videos/{stream.vid}/rules").json()["rules"] == []


def test_a_stream_has_no_file_but_a_latest_picture(served):
    client, stream, _ = served
    stream.add(5.0, seen(1.0, "truck", 1))
    assert client.get(f"/api/videos/{stream.vid}/live.jpg").status_code == 404  # none kept yet
    stream.picture()
    picture = client.get(f"/api/videos/{stream.vid}/live.jpg")
    assert picture.status_code == 200 and picture.content[:2] == b"\xff\xd8"
    media = client.get(f"/api/videos/{stream.vid}/media")
    assert media.status_code == 404 and "live stream has no file" in media.json()["error"]
    assert client.get(f"/api/videos/{stream.vid}/frames/1.0.jpg").status_code == 404
    stream.end()
    assert client.get(f"/api/videos/{stream.vid}").json()["status"] == "done"


def test_ask_and_chat_on_a_live_stream_in_a_library_read_the_window_and_cite_wall_clock_times(tmp_path):
    import re

    import yaml
    from typer.testing import CliRunner

    from openai_stub import OpenAIStub
    from videochat_text.cli import app
    from videochat_text.config import load_settings

    library = tmp_path / "lib.sqlite"
    with OpenAIStub("The speaker said the deadline is Friday.") as stub:
        config = tmp_path / "config.yaml"
        config.write_text(yaml.safe_dump({"cache": {"dir": str(tmp_path / "cache")}, "retrieval": {"mode": "never"},
                                          "chat": {"provider": "openai", "base_url": stub.base_url, "max_retries": 0}}))
        stream = ScriptedStream(load_settings(config), library, started_ago_s=300)
        stream.add(60.0, said(10.0, 12.0, "The delivery truck is here.", 1))
        stream.add(300.0, said(280.0, 283.0, "The deadline is Friday.", 2))
        runner = CliRunner()
        asked = runner.invoke(app, ["ask", stream.vid, "What was said in the last 2 minutes?", "-c", str(config),
                                    "--library", str(library)])
        assert asked.exit_code == 0, asked.output
        prompt = "\n".join(m["content"] for m in stub.requests[-1]["messages"])  # the description: system message
        assert "The deadline is Friday." in prompt and "delivery truck" not in prompt
        assert "the last 2 minutes (" in prompt
        wall = stream.info.started_at + 280.0
        import time as clock

        # Sources: the wall-clock time first, then the stream time.
        assert re.search(rf"^  {clock.strftime('%H:%M:%S', clock.localtime(wall))} \[0:04:40\.0–0:04:43\.0\] speech:",
                         asked.stdout, re.M), asked.stdout
        chatted = runner.invoke(app, ["chat", stream.vid, "-c", str(config), "--library", str(library)],
                                input="What was said just now?\nexit\n")
        assert chatted.exit_code == 0, chatted.output
        assert "Live stream" in chatted.stderr and "video> The speaker said the deadline is Friday." in chatted.stdout
