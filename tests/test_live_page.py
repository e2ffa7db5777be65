"""A live stream in the page, in a real browser (Chromium via Playwright) against a real server on
127.0.0.1: its latest picture instead of a player, its timeline growing, a watch rule added from
the page, a match shown as a toast, a question answered, and the end of the watch."""

from __future__ import annotations

import pytest

from devkit.serving import EchoChatModel, LiveServer
from tests.live_library import ScriptedStream, said, seen
from tests.test_web_app import _answers, _ask, _new_page, browser  # noqa: F401  (browser: a fixture)
from videochat_text import VideoChat
from videochat_text.serve import create_app

pytestmark = pytest.mark.slow


def test_a_live_stream_grows_in_the_page_and_its_rule_matches_are_toasts(browser, tmp_path):  # noqa: F811
    library = tmp_path / "lib.sqlite"
    # The answer checks off: the echo model gives the question back by design (the checks would ask again).
    vc = VideoChat({"cache": {"dir": str(tmp_path / "cache")}, "serve": {"library": str(library)},
                    "chat": {"check_answers": False}}, chat_model=EchoChatModel())
    stream = ScriptedStream(vc.settings, library, started_ago_s=30)
    stream.picture()
    stream.add(10.0, said(2.0, 4.0, "The delivery truck is here.", 1), seen(3.0, "truck", 1))
    with LiveServer(create_app(videochat=vc)) as server:
        page = _new_page(browser)
        try:
            page.goto(f"{server.url}/#v={stream.vid}")
            page.wait_for_function("() => document.querySelector('#live-picture')?.naturalWidth > 0")
            assert page.locator("#player").is_hidden()  # no file to play
            assert page.locator("#live-badge").inner_text().startswith("● live since")
            page.wait_for_function("() => document.querySelectorAll('#timeline .entry').length === 2")
            stream.add(20.0, said(12.0, 14.0, "The deadline is Friday.", 2))  # the watcher describes more
            page.wait_for_function("() => document.querySelectorAll('#timeline .entry').length === 3", timeout=10_000)

            page.fill("#rule-input", "someone says deadline")
            page.click("#rule-form button")
            page.wait_for_function("() => document.querySelector('#rules .rule')?.textContent.includes('deadline')")
            assert [r["text"] for r in stream.library.store.rules(stream.vid)] == ["someone says deadline"]
            stream.library.store.add_alert(stream.vid, rule="someone says deadline", start=12.0, end=14.0,
                                           module="speech", text='S1: "The deadline is Friday."',
                                           event_ids=["speech-2"])  # as the watcher records a match
            toast = page.wait_for_selector(".toast.alert", timeout=10_000)
            assert '“someone says deadline”: speech reported S1: "The deadline is Friday."' in toast.inner_text()
            page.wait_for_selector('#timeline .entry.cited[data-event="speech-2"]')

            _ask(page, "What did the speaker just say?")
            assert _answers(page)[-1].startswith("echo: What did the speaker just say?")

            stream.end()  # the watch stops: an ordinary video from now on
            page.wait_for_function("() => document.querySelector('#live-badge')?.textContent.startsWith('stream watched')",
                                   timeout=10_000)
            assert page.evaluate("window.__csp") == [] and page.errors == []
        finally:
            page.context.close()
