"""The web page in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright,
against a real server on 127.0.0.1 with the real default perception modules.

Set ``VIDEOCHAT_TEXT_SCREENSHOT=docs/web-app.png`` to refresh the README's screenshot.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from devkit.serving import EchoChatModel, LiveServer
from videochat_text import Event, PerceptionModule, VideoChat, register_module, unregister_module
from videochat_text.serve import create_app

DEMO = Path(__file__).parents[1] / "examples" / "demo.mp4"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
XSS = ["<script>window.__xss = 1; alert(1)</script>", '<img src=x onerror="window.__xss = 2; alert(2)">']


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("the browser test needs Debian's chromium: apt-get install chromium (make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


REPLY = "The cat is called Whiskers. The speaker says so at 0:00:04.3, while the cat is on screen."


def _server(tmp_path, reply=None, **settings):
    chat_model = EchoChatModel(delay_s=0.08, reply=reply)
    vc = VideoChat({"cache": {"dir": str(tmp_path / "cache")}, **settings}, chat_model=chat_model)
    return LiveServer(create_app(videochat=vc))


@pytest.mark.slow
def test_upload_watch_seek_ask_and_boxes(page, tmp_path):
    with _server(tmp_path, REPLY) as server:
        page.goto(server.url)
        page.set_input_files("#file-input", str(DEMO))
        page.wait_for_selector("#described", state="visible", timeout=180_000)
        page.wait_for_function("document.querySelector('#player').readyState >= 1")

        # A timeline entry seeks the player to its start.
        entry = page.locator("#timeline .entry", has_text="Whiskers")
        start = float(entry.get_attribute("data-start"))
        assert start > 1
        entry.click()
        assert page.evaluate("document.querySelector('#player').currentTime") == pytest.approx(start, abs=0.05)

        # Boxes from the object detections are drawn over the video at that moment.
        objects = page.locator("#timeline .entry", has=page.locator(".chip.module-objects")).first
        objects.click()
        page.wait_for_function("Number(document.querySelector('#overlay').dataset.boxes) > 0")
        painted = page.evaluate("""() => {
            const c = document.querySelector('#overlay');
            const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
            return n; }""")
        assert painted > 100

        # The answer streams in (partial text while the model is still writing), its times seek.
        page.fill("#question", "What is the cat's name?")
        page.click("#ask-button")
        page.wait_for_function("""() => {
            const b = document.querySelector('.message.assistant .body.streaming');
            return b && b.textContent.length > 0 && !b.textContent.includes('on screen.'); }""")
        page.wait_for_selector(".message.assistant .body:not(.streaming)")
        answer = page.locator(".message.assistant .body")
        assert answer.inner_text() == REPLY
        answer.locator("a.time").click()
        assert page.evaluate("document.querySelector('#player').currentTime") == pytest.approx(4.3, abs=0.05)

        page.fill("#search", "whiskers")
        assert page.locator("#timeline .entry:visible").count() == 1
        page.fill("#search", "")
        page.evaluate("document.querySelector('#player').currentTime = %f" % start)
        page.wait_for_timeout(300)
        shot = Path(os.environ.get("VIDEOCHAT_TEXT_SCREENSHOT") or tmp_path / "web-app.png")
        page.screenshot(path=str(shot), full_page=True)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert page.dialogs == []


class ScriptedText(PerceptionModule):
    """On-screen text and narration that hold markup, as a hostile video could."""

    name = "scripted"
    consumes = frozenset()

    def run(self, media):
        return [Event(start=1.0, end=2.0, module=self.name, text=XSS[0]),
                Event(start=3.0, end=4.0, module=self.name, text=f'"{XSS[1]}"')]


@pytest.fixture
def scripted_module():
    register_module(ScriptedText)
    yield
    unregister_module(ScriptedText.name)


def test_video_text_and_answers_are_shown_as_text_never_run(page, tmp_path, scripted_module, monkeypatch):
    from videochat_text.serve import model_queue as serve_app

    # Answers will carry citations (the lead's Answer): a streamed answer's come from the session.
    cited = [{"start": 3.0, "end": 4.0, "module": "scripted", "text": XSS[0], "event_ids": ["scripted-2"]}]
    monkeypatch.setattr(serve_app, "citations_of", lambda answer: cited)
    with _server(tmp_path, perception={"modules": ["scripted"]}) as server:
        page.goto(server.url)
        page.set_input_files("#file-input", files=[{"name": '<img src=x onerror=alert(3)>.mp4',
                                                    "mimeType": "video/mp4", "buffer": DEMO.read_bytes()}])
        page.wait_for_selector("#described", state="visible", timeout=60_000)
        texts = page.locator("#timeline .entry .text").all_inner_texts()
        assert texts == [XSS[0], f'"{XSS[1]}"']
        page.fill("#question", XSS[1])
        page.click("#ask-button")
        page.wait_for_selector(".message.assistant .body:not(.streaming)")
        assert page.locator(".message.user").inner_text() == XSS[1]
        assert page.locator(".message.assistant .body").inner_text() == f"echo: {XSS[1]}"
        assert page.locator(".citations li .text").inner_text() == XSS[0]
        page.locator(".citations li .text").click()
        assert page.locator("#timeline .entry.cited .text").all_inner_texts() == [f'"{XSS[1]}"']
        page.locator(".citations a.time").click()
        assert page.evaluate("document.querySelector('#player').currentTime") == pytest.approx(3.0, abs=0.05)
        assert page.locator("#video-title").inner_text() == '<img src=x onerror=alert(3)>.mp4'
        assert page.locator("img").count() == 0
        assert page.locator("body script").count() == 0
        assert page.evaluate("window.__xss") is None
        assert page.dialogs == []


def test_with_a_token_the_page_asks_once_and_the_player_still_loads(page, tmp_path, scripted_module, monkeypatch):
    monkeypatch.setenv("VIDEOCHAT_TEXT_TOKEN", "page-token-5678")
    with _server(tmp_path, perception={"modules": ["scripted"]}) as server:
        page.goto(server.url)
        page.wait_for_selector("#token-dialog[open]")
        page.fill("#token-input", "page-token-5678")
        page.click("#token-form button")
        page.set_input_files("#file-input", str(DEMO))
        page.wait_for_selector("#described", state="visible", timeout=60_000)
        # <video> cannot send the header: the page's cookie lets it read the media.
        page.wait_for_function("document.querySelector('#player').readyState >= 1")
        assert page.evaluate("document.querySelector('#player').duration") == pytest.approx(10.0, abs=0.1)
        assert page.locator("#token-dialog[open]").count() == 0
