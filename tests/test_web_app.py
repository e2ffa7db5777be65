"""The web page in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright,
against a real server on 127.0.0.1 (the real default perception modules where the test is about
what they find; a scripted module where it is about the page).

Set ``VIDEOCHAT_TEXT_SCREENSHOT=docs/web-app.png`` to refresh the README's screenshot.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from devkit.serving import EchoChatModel, LiveServer, build_library
from videochat_text import Event, PerceptionModule, VideoChat, register_module, unregister_module
from videochat_text.serve import create_app

DEMO = Path(__file__).parents[1] / "examples" / "demo.mp4"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
XSS = ["<script>window.__xss = 1; alert(1)</script>", '<img src=x onerror="window.__xss = 2; alert(2)">']
PHONE = {"width": 390, "height": 844}
# Every Content-Security-Policy violation the page causes is kept in window.__csp.
CSP_LISTENER = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push({directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample}));"""


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


def _new_page(browser, viewport=None):
    context = browser.new_context(viewport=viewport or {"width": 1440, "height": 900}, accept_downloads=True)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


@pytest.fixture
def page(browser):
    page = _new_page(browser)
    yield page
    assert page.errors == [], "the page's script failed"
    page.context.close()


@pytest.fixture
def phone(browser):
    page = _new_page(browser, PHONE)
    yield page
    assert page.errors == [], "the page's script failed"
    page.context.close()


REPLY = "The cat is called Whiskers. The speaker says so at 0:00:04.3, while the cat is on screen."


def _server(tmp_path, reply=None, delay_s=0.08, **settings):
    if reply is None:  # the echo model gives the question back by design: the answer checks would ask again
        settings["chat"] = {"check_answers": False, **settings.get("chat", {})}
    chat_model = EchoChatModel(delay_s=delay_s, reply=reply)
    vc = VideoChat({"cache": {"dir": str(tmp_path / "cache")}, **settings}, chat_model=chat_model)
    return LiveServer(create_app(videochat=vc))


def _upload(page, path=DEMO, name=None):
    """Upload through the page's file input and wait until its description is shown."""
    if name is None:
        page.set_input_files("#file-input", str(path))
    else:
        page.set_input_files("#file-input", files=[{"name": name, "mimeType": "video/mp4",
                                                    "buffer": Path(path).read_bytes()}])
    page.wait_for_function("(name) => document.querySelector('#video-title').textContent === name",
                           arg=name or Path(path).name)
    page.wait_for_selector("#described", state="visible", timeout=180_000)


def _ask(page, question):
    page.fill("#question", question)
    page.click("#ask-button")


def _answers(page):
    page.wait_for_function("() => document.querySelectorAll('.message.assistant.pending').length === 0")
    return page.locator("#messages .message.assistant .body").all_inner_texts()


def _player_time(page):
    return page.evaluate("document.querySelector('#player').currentTime")


def _seek_and_count_boxes(page, seconds):
    """Seek the player, let the page draw, and return how many boxes the overlay shows."""
    return int(page.evaluate("""(t) => new Promise((done) => {
        const player = document.querySelector('#player');
        player.addEventListener('seeked', () => requestAnimationFrame(
            () => done(document.querySelector('#overlay').dataset.boxes)), {once: true});
        player.currentTime = t; })""", seconds))


class ScriptedText(PerceptionModule):
    """On-screen text and narration that hold markup, as a hostile video could."""

    name = "scripted"
    consumes = frozenset()

    def run(self, media):
        return [Event(start=1.0, end=2.0, module=self.name, text=XSS[0]),
                Event(start=3.0, end=4.0, module=self.name, text=f'"{XSS[1]}"')]


class ScriptedFacts(PerceptionModule):
    """What a narrator says, at known times: answers that repeat it cite these entries."""

    name = "narration"
    consumes = frozenset()

    def run(self, media):
        return [Event(start=0.5, end=1.65, module=self.name, text='"Hello, this is the kitchen."'),
                Event(start=4.78, end=6.0, module=self.name, text='"The cat is called Whiskers."'),
                Event(start=7.0, end=8.0, module=self.name, text='"The coffee costs three dollars."')]


class ScriptedBoxes(PerceptionModule):
    """Boxes found on two sampled frames: at 0.0 s, and at 3.5 s just before the cut at 4.0 s."""

    name = "boxer"
    consumes = frozenset()

    def run(self, media):
        box = {"label": "person", "score": 0.9, "box": [100.0, 80.0, 300.0, 400.0]}
        return [Event(start=t, end=t + 1, module=self.name, text="1 person (center)",
                      data={"kind": "detections", "detections": [box]})  # "kind": read as typed detections
                for t in (0.0, 3.5)]


@pytest.fixture
def scripted_modules():
    for module in (ScriptedText, ScriptedFacts, ScriptedBoxes):
        register_module(module)
    yield
    for module in (ScriptedText, ScriptedFacts, ScriptedBoxes):
        unregister_module(module.name)


# --- the whole way, with the real default modules ----------------------------------------------
@pytest.mark.slow
def test_upload_watch_seek_ask_and_boxes(page, tmp_path):
    with _server(tmp_path, REPLY) as server:
        page.goto(server.url)
        _upload(page)
        page.wait_for_function("() => document.querySelector('#player').readyState >= 1")

        # A timeline entry seeks the player to its start.
        entry = page.locator("#timeline .entry", has_text="Whiskers")
        start = float(entry.get_attribute("data-start"))
        assert start > 1
        entry.click()
        assert _player_time(page) == pytest.approx(start, abs=0.05)

        # Boxes from the object detections are drawn over the video at that moment.
        objects = page.locator("#timeline .entry", has=page.locator(".chip.module-objects")).first
        objects.click()
        page.wait_for_function("() => Number(document.querySelector('#overlay').dataset.boxes) > 0")
        painted = page.evaluate("""() => {
            const c = document.querySelector('#overlay');
            const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
            return n; }""")
        assert painted > 100

        # The answer streams in (partial text while the model is still writing), its times seek.
        _ask(page, "What is the cat's name?")
        page.wait_for_function("""() => {
            const b = document.querySelector('.message.assistant.pending .body');
            return b && b.textContent.length > 0 && !b.textContent.includes('on screen.'); }""")
        assert _answers(page) == [REPLY]
        page.locator(".message.assistant .body a.time").click()
        assert _player_time(page) == pytest.approx(4.3, abs=0.05)

        page.fill("#search", "whiskers")
        assert page.locator("#timeline .entry:visible").count() == 1
        page.fill("#search", "")
        page.evaluate("document.querySelector('#player').currentTime = %f" % start)
        page.wait_for_timeout(300)
        shot = Path(os.environ.get("VIDEOCHAT_TEXT_SCREENSHOT") or tmp_path / "web-app.png")
        page.screenshot(path=str(shot), full_page=True)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert page.dialogs == []


# --- text from a video is text; the page runs no inline script ----------------------------------
def test_video_text_and_answers_are_shown_as_text_never_run(page, tmp_path, scripted_modules, monkeypatch):
    from videochat_text.serve import sessions

    # A citation whose text holds markup, as an answer about this video could carry.
    cited = [{"start": 3.0, "end": 4.0, "module": "scripted", "text": XSS[0], "event_ids": ["scripted-2"]}]
    monkeypatch.setattr(sessions, "citations_of", lambda answer: cited)
    with _server(tmp_path, perception={"modules": ["scripted"]}) as server:
        page.goto(server.url)
        _upload(page, name="<img src=x onerror=alert(3)>.mp4")
        texts = page.locator("#timeline .entry .text").all_inner_texts()
        assert texts == [XSS[0], f'"{XSS[1]}"']
        _ask(page, XSS[1])
        assert _answers(page) == [f"echo: {XSS[1]}"]
        assert page.locator(".message.user").inner_text() == XSS[1]
        assert page.locator(".citations li .text").inner_text() == XSS[0]
        assert page.locator("#video-title").inner_text() == "<img src=x onerror=alert(3)>.mp4"
        assert page.locator("#video-list .name").inner_text() == "<img src=x onerror=alert(3)>.mp4"
        assert page.locator("img").count() == 0
        assert page.locator("body script").count() == 0
        assert page.evaluate("window.__xss") is None
        assert page.evaluate("window.__csp") == []
        assert page.dialogs == []


class _Markup(HTMLParser):
    """Every script element and every inline event handler (``on…=``) or ``javascript:`` URL."""

    def __init__(self):
        super().__init__()
        self.scripts, self.inline = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.inline.append(f"<{tag} {name}={value!r}>")


def test_the_page_forbids_inline_scripts_and_the_browser_enforces_it(page, tmp_path, scripted_modules):
    with _server(tmp_path, perception={"modules": ["scripted"]}) as server:
        import httpx

        served = httpx.get(server.url)
        policy = served.headers["content-security-policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'" and "unsafe" not in policy
        markup = _Markup()
        markup.feed(served.text)
        assert markup.inline == [], "inline event handlers in the served page"
        assert markup.scripts and all(s.get("src", "").startswith("/static/") for s in markup.scripts), \
            "a script in the served page that is not a file of the page"

        # The page itself, used the whole way, causes no violation...
        page.goto(server.url)
        _upload(page)
        _ask(page, "Who is there?")
        _answers(page)
        assert page.evaluate("window.__csp") == []
        # ...and the browser refuses a script put into the page the way markup in a video's text
        # would get there if it were ever added as HTML.
        page.evaluate("""() => {
            const holder = document.createElement('div');
            holder.innerHTML = '<img src="data:," onerror="window.__xss = 3">';
            document.body.append(holder);
            const script = document.createElement('script');
            script.textContent = 'window.__xss = 4';
            document.body.append(script); }""")
        page.wait_for_function("() => window.__csp.length >= 2")
        assert page.evaluate("window.__xss") is None
        assert {v["directive"] for v in page.evaluate("window.__csp")} <= {"script-src-attr", "script-src-elem"}


# --- feedback at once, and the input stays usable --------------------------------------------
def test_asking_shows_the_answers_state_at_once_and_takes_the_next_question(page, tmp_path, scripted_modules):
    with _server(tmp_path, delay_s=0.25, perception={"modules": ["narration"]}) as server:
        page.goto(server.url)
        _upload(page)
        _ask(page, "What is the cat called in this kitchen video?")
        # Before any text: the answer's state, in words.
        page.wait_for_function("""() => {
            const m = document.querySelector('.message.assistant.pending');
            return m && m.querySelector('.body').textContent === '' && m.querySelector('.status').textContent; }""")
        status = page.locator(".message.assistant.pending .status").inner_text()
        assert re.fullmatch(r"(sending|reading the timeline|thinking|waiting for the answer|in the queue|"
                            r"next in the queue).*", status), status
        # The server's stages come through while the model writes, the seconds counting.
        page.wait_for_function("""() => {
            const m = document.querySelector('.message.assistant.pending');
            return m && m.querySelector('.body').textContent === ''
                && m.querySelector('.status').dataset.stage === 'thinking'; }""")
        assert re.fullmatch(r"thinking… \d+ s", page.locator(".message.assistant.pending .status").first.inner_text())
        # The box stays usable: the next question goes in while the first is answered.
        assert page.locator("#question").is_enabled()
        assert page.locator("#question").get_attribute("placeholder") == "Ask about this video…"
        _ask(page, "And the coffee?")
        assert page.locator(".message.assistant.pending").count() == 2
        assert page.locator(".message.assistant.pending .status").nth(1).inner_text() == \
            "waiting for the answer before it…"
        assert _answers(page) == ["echo: What is the cat called in this kitchen video?", "echo: And the coffee?"]
        assert page.locator(".message .status").count() == 0


# --- citations point ---------------------------------------------------------------------
def test_a_citation_seeks_and_marks_its_entries_in_the_list_and_the_lanes(page, tmp_path, scripted_modules):
    with _server(tmp_path, reply="The cat is called Whiskers.", perception={"modules": ["narration"]}) as server:
        page.goto(server.url)
        _upload(page)
        _ask(page, "What is the cat called?")
        _answers(page)
        citation = page.locator(".citations li", has_text="Whiskers")
        assert citation.locator("a.time").inner_text() == "0:04.8"  # 4.78 s, rounded like the downloads
        # Its text: the entry is marked in the list and in the lanes, the player is there.
        citation.locator(".text").click()
        assert _player_time(page) == pytest.approx(4.78, abs=0.05)
        assert page.locator("#timeline .entry.cited .text").all_inner_texts() == ['"The cat is called Whiskers."']
        assert page.locator("#lanes .block.cited").count() == 1
        assert page.locator("#lanes .block.cited").get_attribute("data-event") == \
            page.locator("#timeline .entry.cited").get_attribute("data-event")
        # Its time does the same.
        page.locator("#timeline .entry").first.click()
        assert _player_time(page) == pytest.approx(0.5, abs=0.05)
        citation.locator("a.time").click()
        assert _player_time(page) == pytest.approx(4.78, abs=0.05)
        assert page.locator("#timeline .entry.cited").count() == 1
        # Times never wrap ("0:⏎05"): every time in the list and the citations is on one line.
        lines = page.evaluate("""() => [...document.querySelectorAll('#timeline .when, .citations a.time')]
            .map((node) => { const r = document.createRange(); r.selectNodeContents(node);
                             return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size; })""")
        assert lines and set(lines) == {1}


# --- the small things ----------------------------------------------------------------------
def test_boxes_are_drawn_only_for_their_frame_interval_and_never_past_a_cut(page, tmp_path, scripted_modules,
                                                                            speech_clip):
    # The clip cuts from the astronaut to the cat at 4.0 s (the scenes module finds it); boxes were
    # found on the frames sampled at 0.0 s and 3.5 s, one sample a second.
    with _server(tmp_path, perception={"modules": ["boxer", "scenes"]}) as server:
        page.goto(server.url)
        _upload(page, speech_clip)
        page.wait_for_function("() => document.querySelector('#player').readyState >= 1")
        assert _seek_and_count_boxes(page, 0.5) == 1
        assert _seek_and_count_boxes(page, 1.2) == 0  # the next sample had none: not held over
        assert _seek_and_count_boxes(page, 3.8) == 1
        assert _seek_and_count_boxes(page, 4.2) == 0  # after the cut: another picture


def test_an_audio_file_is_shown_as_audio(page, tmp_path, scripted_modules):
    from devkit.synthetic import encode_audio, speak

    import numpy as np

    track = np.zeros(8 * 16_000, dtype=np.float32)
    words = speak("Hello there.")
    track[16_000:16_000 + len(words)] = words[: len(track) - 16_000]
    audio = encode_audio(track, tmp_path / "voice memo.m4a")
    with _server(tmp_path, perception={"modules": ["narration"]}) as server:
        page.goto(server.url)
        page.set_input_files("#file-input", str(audio))
        page.wait_for_selector("#described", state="visible", timeout=60_000)
        meta = page.locator("#video-meta").inner_text()
        assert re.fullmatch(r"0:08\.0 · audio · 3 events", meta), meta
        assert "×" not in meta and "0×0" not in page.locator("#viewer").inner_text()
        assert page.locator("#boxes-toggle").is_hidden()
        assert page.locator("#summary").inner_text().startswith("An 8.0-second audio recording")


def test_a_byte_identical_upload_says_it_was_already_uploaded(page, tmp_path, scripted_modules):
    with _server(tmp_path, perception={"modules": ["scripted"]}) as server:
        page.goto(server.url)
        _upload(page, name="first take.mp4")
        page.set_input_files("#file-input", files=[{"name": "second take.mp4", "mimeType": "video/mp4",
                                                    "buffer": DEMO.read_bytes()}])
        toast = page.locator(".toast.info")
        toast.wait_for()
        assert toast.inner_text() == "Already uploaded as “first take.mp4”: opening it."
        assert page.locator("#video-list li").count() == 1
        assert page.locator("#video-title").inner_text() == "first take.mp4"


def test_downloads_are_named_and_titled_by_the_video_with_no_server_path(page, tmp_path, scripted_modules):
    with _server(tmp_path, perception={"modules": ["narration"]}) as server:
        page.goto(server.url)
        _upload(page, name="Holiday clip.mp4")
        got = {}
        for link in ("#dl-md", "#dl-json", "#dl-srt"):
            with page.expect_download() as download:
                page.click(link)
            got[download.value.suggested_filename] = Path(download.value.path()).read_text()
        assert set(got) == {"Holiday clip.md", "Holiday clip.json", "Holiday clip.srt"}
        markdown = got["Holiday clip.md"]
        assert markdown.startswith("# Holiday clip.mp4\n")
        assert "| 0:00:00.5 | 0:00:01.7 | narration |" in markdown  # 1.65 s rounds up, as in SRT
        assert "| 0:00:04.8 | 0:00:06.0 | narration |" in markdown  # 4.78 s
        assert "00:00:01,650" in got["Holiday clip.srt"]
        description = json.loads(got["Holiday clip.json"])
        assert description["video"]["path"] == "Holiday clip.mp4"
        for text in got.values():
            assert str(tmp_path) not in text and ".video" not in text


def test_a_wrong_token_is_said_to_be_wrong_and_the_player_still_loads(page, tmp_path, scripted_modules,
                                                                      monkeypatch):
    monkeypatch.setenv("VIDEOCHAT_TEXT_TOKEN", "page-token-5678")
    with _server(tmp_path, perception={"modules": ["scripted"]}) as server:
        page.goto(server.url)
        page.wait_for_selector("#token-dialog[open]")
        assert page.locator("#token-error").is_hidden()  # nothing was refused yet
        page.fill("#token-input", "wrong-token")
        page.click("#token-form button")
        page.wait_for_selector("#token-dialog[open] #token-error:visible")
        assert page.locator("#token-error").inner_text() == "That token was not accepted: check it and try again."
        page.fill("#token-input", "page-token-5678")
        page.click("#token-form button")
        _upload(page)
        # <video> cannot send the header: the page's cookie lets it read the media.
        page.wait_for_function("() => document.querySelector('#player').readyState >= 1")
        assert page.evaluate("document.querySelector('#player').duration") == pytest.approx(10.0, abs=0.1)
        assert page.locator("#token-dialog[open]").count() == 0


def test_before_any_video_the_chat_box_is_empty_and_says_why(page, tmp_path):
    with _server(tmp_path) as server:
        page.goto(server.url)
        page.wait_for_selector("#library-empty:visible")
        question = page.locator("#question")
        assert question.is_disabled()
        assert question.get_attribute("placeholder") == "Upload a video to ask about it"
        assert question.input_value() == ""


def test_the_page_fits_a_phone(phone, tmp_path, scripted_modules):
    with _server(tmp_path, reply="The cat is called Whiskers.", perception={"modules": ["narration"]}) as server:
        phone.goto(server.url)
        _upload(phone, name="a rather long file name from a phone camera, 2024-05-01 17.32.08.mp4")
        _ask(phone, "What is the cat called?")
        _answers(phone)
        phone.fill("#search-all", "cat")
        width = phone.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth]")
        assert max(width) <= PHONE["width"], f"the page is {max(width)} px wide on a {PHONE['width']} px screen"
        for link in ("label[for=file-input]", "#docs-link"):
            box = phone.locator(link).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], link


def test_api_docs_load_with_no_internet(page, tmp_path, monkeypatch):
    with _server(tmp_path) as server:
        outside = []

        def only_this_server(route):
            if route.request.url.startswith(server.url):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.context.route("**/*", only_this_server)
        page.goto(server.url)
        assert page.locator("#docs-link").is_visible()
        page.goto(server.url + "/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
        assert "videochat-text" in page.locator(".swagger-ui .info .title").inner_text()
        assert page.locator(".opblock").count() > 5
        assert outside == []

    # Without Swagger UI's files (fastapi-offline not installed) there is no /docs and no link to it.
    monkeypatch.setitem(sys.modules, "fastapi_offline", None)
    with _server(tmp_path / "bare") as server:
        page.goto(server.url)
        page.wait_for_selector("#docs-link", state="hidden")


# --- conversations that stay --------------------------------------------------------------
def _other_clip(folder: Path) -> Path:
    """A 9-second clip with other bytes than the demo (another video to switch to)."""
    import skimage.data

    from devkit.synthetic import Shot, make_clip

    return make_clip(folder / "coffee.mp4", [Shot(skimage.data.coffee(), 9.0)], audio=False, size=(160, 120))


def test_a_reload_and_switching_videos_keep_the_conversation(page, tmp_path, scripted_modules):
    with _server(tmp_path, reply="The cat is called Whiskers.", perception={"modules": ["narration"]}) as server:
        page.goto(server.url)
        _upload(page, name="kitchen.mp4")
        kitchen = page.url
        _ask(page, "What is the cat called?")
        assert _answers(page) == ["The cat is called Whiskers."]

        page.reload()
        page.wait_for_selector("#messages .message.user")
        assert page.locator("#messages .message.user").all_inner_texts() == ["What is the cat called?"]
        assert _answers(page) == ["The cat is called Whiskers."]
        assert page.locator(".citations li", has_text="Whiskers").count() == 1

        # Another video has its own conversation; coming back brings this one back.
        _upload(page, _other_clip(tmp_path))
        assert page.locator("#video-title").inner_text() == "coffee.mp4"
        assert page.locator("#messages .message").count() == 0
        page.locator("#video-list li", has_text="kitchen.mp4").click()
        page.wait_for_selector("#messages .message.user")
        assert page.locator("#messages .message.user").all_inner_texts() == ["What is the cat called?"]

        # A follow-up continues it (on the server too); "New" starts afresh, also after a reload.
        _ask(page, "And who called it that?")
        assert len(_answers(page)) == 2
        page.goto(kitchen)
        page.reload()
        page.wait_for_selector("#messages .message.user >> nth=1")
        page.click("#new-conversation")
        page.wait_for_selector("#messages .message", state="detached")
        page.reload()
        page.wait_for_selector("#described", state="visible")
        page.wait_for_timeout(500)  # time for a conversation to come back, if one wrongly did
        assert page.locator("#messages .message").count() == 0


# --- the library in the page ------------------------------------------------------------------
LIBRARY_LINES = {
    "lecture one.mp4": "Welcome to the first lecture about rivers.",
    "team meeting.mp4": "The password for the server room is blue giraffe.",
    "holiday.mp4": "We are standing in front of the old lighthouse.",
}


@pytest.fixture(scope="module")
def library_clips(tmp_path_factory):
    """Three clips, each with one sentence said by espeak-ng at 1.5 s."""
    import skimage.data

    from devkit.synthetic import Line, Shot, make_clip

    folder = tmp_path_factory.mktemp("library-clips")
    photos = [skimage.data.astronaut(), skimage.data.chelsea(), skimage.data.coffee()]
    return {name: make_clip(folder / name, [Shot(photo, 6.0)], [Line(1.5, line)], size=(320, 240))
            for (name, line), photo in zip(LIBRARY_LINES.items(), photos)}


def _opens_at(page, link, seconds, name):
    """Clicking ``link`` opens the video ``name`` with the player at ``seconds`` (when the line is said)."""
    assert 1.0 <= seconds <= 2.5
    link.click()
    page.wait_for_selector(f"#video-title:text-is('{name}')")
    page.wait_for_function("() => document.querySelector('#player').readyState >= 1")
    assert _player_time(page) == pytest.approx(seconds, abs=0.05)


@pytest.mark.slow
def test_three_clips_searched_and_asked_across_open_the_right_video_at_the_right_time(page, tmp_path,
                                                                                    library_clips):
    reply = "The password for the server room is blue giraffe."
    with _server(tmp_path, reply=reply, perception={"modules": ["speech"]}) as server:
        page.goto(server.url)
        for path in library_clips.values():
            page.set_input_files("#file-input", str(path))
            page.wait_for_selector(f"#video-title:text-is('{path.name}')")
        page.wait_for_function("() => document.querySelectorAll('#video-list .chip.status.done').length === 3",
                               timeout=300_000)

        # Search every video for a phrase said in one: the hit opens that video at that moment.
        page.fill("#search-all", "old lighthouse")
        page.press("#search-all", "Enter")
        group = page.locator("#results .result-group").first  # the video of the best moment first
        group.wait_for(timeout=120_000)  # the first search loads the embedding model
        assert group.locator("h3").inner_text() == "holiday.mp4"
        hit = group.locator(".moment").first
        _opens_at(page, hit, float(hit.get_attribute("data-start")), "holiday.mp4")
        page.wait_for_selector("#timeline .entry.cited")
        assert "lighthouse" in page.locator("#timeline .entry.cited").first.inner_text()

        # Ask across: the answer's citation names the video and opens it at its moment.
        page.click("#scope-all")
        _ask(page, "What is the password for the server room?")
        assert _answers(page) == [reply]
        cited = page.locator(".citations li", has=page.locator(".video-link", has_text="team meeting.mp4")).first
        at = cited.locator("a.time")
        _opens_at(page, at, float(at.get_attribute("data-seconds")), "team meeting.mp4")


def test_a_thousand_videos_are_listed_a_page_at_a_time_and_filtered_by_name(page, tmp_path):
    build_library(tmp_path / "library.sqlite", 1000)
    with _server(tmp_path, library={"path": str(tmp_path / "library.sqlite")}) as server:
        page.goto(server.url)
        page.wait_for_function("() => document.querySelectorAll('#video-list li').length > 0")
        assert page.locator("#video-list li").count() == 100
        assert page.locator("#video-count").inner_text() == "100 of 1000"
        # Scrolling to the end of the list brings the next page.
        page.locator("#video-list li").last.scroll_into_view_if_needed()
        page.wait_for_function("() => document.querySelectorAll('#video-list li').length === 200")
        assert page.locator("#video-count").inner_text() == "200 of 1000"
        page.fill("#video-filter", "clip-0777")
        page.wait_for_function("() => document.querySelectorAll('#video-list li').length === 1")
        assert page.locator("#video-list .name").inner_text() == "clip-0777.mp4"
        assert page.locator("#more-videos").is_hidden()
        page.fill("#video-filter", "no such name")
        page.wait_for_selector("#library-empty:visible")
        assert page.locator("#library-empty").inner_text() == "No video's name matches."
