"""Watch rules: "a truck is seen", "someone says deadline", "EXIT is read" — checked on every stretch.

A rule names one kind of finding and what to look for in it:

- **seen**: a label a module that sees reported (``objects``' detections; ``tags``, ``captions``);
- **said**: a phrase in what ``speech`` transcribed;
- **read**: a phrase in the text ``ocr`` read on screen.

A match states only what the module reported — its time, its module and its own text — and is
sent to every way of notifying at once: the CLI's line (`notify`), a webhook POST (JSON, in a
background thread: a slow receiver never holds describing up) and the library's alerts (the
page shows them as toasts). A rule that matched stays quiet until it has gone
``live.rule_cooldown_s`` without matching (a truck parked for an hour is one notification).
A rule no running module could ever match is refused when it is set.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
import time
import urllib.request
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping, Sequence

from ..answering.checks import label_for
from ..config import LiveSettings
from ..errors import ConfigError
from ..timeline import Event, format_timestamp

if TYPE_CHECKING:
    from ..library.store import LibraryStore
    from ..timeline import ModuleRecord
    from .describe import DescribedStretch, StretchDescriber

log = logging.getLogger(__name__)

RuleKind = Literal["seen", "said", "read"]
_ROLES: dict[RuleKind, tuple[str, ...]] = {"seen": ("seen", "pictured"), "said": ("heard",), "read": ("read",)}
_WHO = r"(?:(?:someone|somebody|anyone|anybody|a\s+person|the\s+speaker|they|he|she)\s+)?"
_PATTERNS: list[tuple[RuleKind, re.Pattern[str]]] = [
    ("said", re.compile(rf"^{_WHO}(?:says?|said|mentions?|mentioned|talks?\s+about|speaks?\s+of)\s+(?P<what>.+)$")),
    ("said", re.compile(r"^(?P<what>.+?)\s+(?:is|are|gets?)\s+(?:said|mentioned|spoken|heard)$")),
    ("read", re.compile(r"^(?:the\s+)?(?:text|sign|words?)\s+(?P<what>.+?)(?:\s+(?:(?:is|are)\s+)?(?:shown|read|on\s+screen))?$")),
    ("read", re.compile(r"^(?P<what>.+?)\s+(?:is|are)\s+(?:read|written|on\s+screen|shown\s+as\s+text)$")),
    ("read", re.compile(r"^(?:reads?|read)\s+(?P<what>.+)$")),
    ("seen", re.compile(r"^(?P<what>.+?)\s+(?:is|are|gets?)\s+(?:seen|visible|in\s+view|detected|spotted|shown)$")),
    ("seen", re.compile(r"^(?P<what>.+?)\s+(?:appears?|shows?\s+up|comes?\s+into\s+view|arrives?)$")),
    ("seen", re.compile(r"^(?:see|sees|seeing|spot|spots)\s+(?P<what>.+)$")),
]
_EXAMPLES = '"a truck is seen", "someone says deadline", "EXIT is read"'


@dataclass(frozen=True)
class Rule:
    """One watch rule, as given and as understood."""

    text: str
    kind: RuleKind
    what: str
    """The label (seen) or phrase (said, read), lower case, without articles or quotes."""
    webhook: str | None = None
    id: int | None = None
    """Its id in the library (rules added there, e.g. from the page)."""

    def matches(self, event: Event, role: str | None) -> bool:
        """Whether ``event`` (from a module whose findings are ``role``) is what the rule watches for."""
        if role not in _ROLES[self.kind]:
            return False
        if self.kind == "seen":
            labels = {label_for(d.label.lower()) for d in event.detections}
            if labels:
                return label_for(self.what) in labels
            return role == "pictured" and _says(event.text, self.what)
        said = event.transcript if self.kind == "said" and event.transcript is not None else event.text
        return _says(said, self.what)


def parse_rule(text: str, webhook: str | None = None) -> Rule:
    """Read a rule such as ``"a truck is seen"``, ``"someone says deadline"``, ``"EXIT is read"``.

    Raises:
        ConfigError: the rule says none of these things.
    """
    given = " ".join(text.split())
    plain = given.strip(" .!").lower()
    for kind, pattern in _PATTERNS:
        match = pattern.match(plain)
        if match:
            what = re.sub(r"^(?:an?|the|any|some)\s+", "", match.group("what").strip(" '\"“”‘’"))
            what = what.strip(" '\"“”‘’")
            if what:
                return Rule(given, kind, what, webhook)
    raise ConfigError(f"watch rule {given!r}: say what is seen, said or read, e.g. {_EXAMPLES}")


def _says(text: str, phrase: str) -> bool:
    """Whether ``text`` holds ``phrase`` as whole words (any case, punctuation ignored)."""
    words = " ".join(re.findall(r"\w+", text.lower()))
    wanted = " ".join(re.findall(r"\w+", phrase.lower()))
    return bool(wanted) and re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", words) is not None


@dataclass(frozen=True)
class Match:
    """A rule that matched, and the finding it matched: only what the module reported."""

    rule: Rule
    video: str
    """The stream's id in the library."""
    event: Event
    wall_start: float
    """Wall-clock time of the finding (seconds since the epoch)."""

    def line(self) -> str:
        """``10:21:05 [0:06:03.0] "a truck is seen": objects reported truck (left)``."""
        wall = time.strftime("%H:%M:%S", time.localtime(self.wall_start))
        return (f"{wall} [{format_timestamp(self.event.start)}] \"{self.rule.text}\": "
                f"{self.event.module} reported {self.event.text}")

    def to_json_dict(self) -> dict[str, Any]:
        e = self.event
        return {"rule": self.rule.text, "video": self.video, "start": e.start, "end": e.end,
                "wall_start": self.wall_start, "module": e.module, "text": e.text, "event_ids": list(e.ids),
                "line": self.line()}


class RuleBook:
    """The rules on one stream: checked on each described stretch, matches sent on."""

    def __init__(self, settings: LiveSettings, store: "LibraryStore", *, webhook: str | None = None,
                 notify: Callable[[Match], None] | None = None):
        self.settings = settings
        self.store = store
        self.webhook = webhook
        self.notify = notify
        self.vid: str | None = None
        self.rules: list[Rule] = []
        self._quiet_until: dict[str, float] = {}
        self._posts: WebhookSender | None = None

    def check(self, texts: Sequence[str], describer: "StretchDescriber") -> list[Rule]:
        """Parse rules and make sure a running module could match each (`check_rule`).

        Raises:
            ConfigError: a rule that cannot be read, or that no running module could ever match.
        """
        rules = [parse_rule(t, self.webhook) for t in texts]
        if rules:
            records = {name: describer.runner.record(name) for name in describer.names}
            for rule in rules:
                check_rule(rule, records)
        return rules

    def attach(self, vid: str, texts: Sequence[str]) -> None:
        """Keep the rules on the stream ``vid`` in the library (the page lists them)."""
        self.vid = vid
        for text in texts:
            self.store.add_rule(vid, text, self.webhook)

    def refresh(self) -> None:
        """Pick up the rules in the library (added by the page or the API while watching)."""
        if self.vid is None:
            return
        rules = []
        for row in self.store.rules(self.vid):
            try:
                rules.append(replace(parse_rule(row["text"], row["webhook"]), id=row["id"]))
            except ConfigError as exc:
                log.warning("%s", exc)
        self.rules = rules

    def check_stretch(self, done: "DescribedStretch") -> list[Match]:
        """The matches in one described stretch, sent on."""
        self.refresh()
        roles = {name: self._role(name) for name in {e.module for e in done.events}}
        started_at = done.info.started_at or 0.0
        matches = []
        for rule in self.rules:
            key = rule.text
            for event in done.events:
                if not rule.matches(event, roles.get(event.module)):
                    continue
                quiet = self._quiet_until.get(key)
                self._quiet_until[key] = event.end + self.settings.rule_cooldown_s
                if quiet is not None and event.start <= quiet:
                    continue
                matches.append(Match(rule, self.vid or "", event, started_at + event.start))
        for match in matches:
            self._send(match)
        return matches

    def _role(self, module: str) -> str | None:
        try:
            from ..modules import get_module_class

            return get_module_class(module).evidence
        except Exception:  # the watcher's own events, or a module since unregistered
            return None

    def _send(self, match: Match) -> None:
        log.info("rule matched: %s", match.line())
        if self.vid is not None:
            e = match.event
            self.store.add_alert(self.vid, rule=match.rule.text, start=e.start, end=e.end, module=e.module,
                                 text=e.text, event_ids=e.ids)
        if self.notify is not None:
            self.notify(match)
        if match.rule.webhook:
            if self._posts is None:
                self._posts = WebhookSender(self.settings.webhook_timeout_s)
            self._posts.post(match.rule.webhook, match.to_json_dict())

    def close(self) -> None:
        if self._posts is not None:
            self._posts.close()


def check_rule(rule: Rule, records: Mapping[str, "ModuleRecord"]) -> None:
    """Make sure one of the modules (by name, what they report: `ModuleRecord`) could match ``rule``.

    Raises:
        ConfigError: none could: the module it needs is not running, or none can see that label.
    """
    able = [n for n, r in records.items() if r.evidence in _ROLES[rule.kind]]
    if not able:
        need = {"seen": "objects (or tags, captions)", "said": "speech", "read": "ocr"}[rule.kind]
        raise ConfigError(f"watch rule {rule.text!r}: needs the {need} module, which is not running "
                          f"(running: {', '.join(records) or 'none'}; choose modules with --modules)")
    vocabularies = [records[n].vocabulary for n in able]
    if rule.kind == "seen" and all(v is not None for v in vocabularies) and not any(
            label_for(rule.what) in {label_for(x.lower()) for x in v or ()} for v in vocabularies):
        raise ConfigError(f"watch rule {rule.text!r}: no running module can see {rule.what!r} "
                          f"({', '.join(able)} report other labels, e.g. {_sample(vocabularies)})")


def _sample(vocabularies: list[Any]) -> str:
    labels = sorted({x for v in vocabularies for x in v or ()})
    return ", ".join(labels[:6]) + ("…" if len(labels) > 6 else "")


class WebhookSender:
    """POSTs JSON to webhooks from a background thread; a failure is a warning, never a stop."""

    def __init__(self, timeout_s: float, max_waiting: int = 100):
        self.timeout_s = timeout_s
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue(max_waiting)
        self._thread = threading.Thread(target=self._run, name="live-webhooks", daemon=True)
        self._thread.start()

    def post(self, url: str, body: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait((url, body))
        except queue.Full:
            log.warning("webhook %s: %d notifications waiting; this one is dropped", url, self._queue.qsize())

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            url, body = item
            request = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), method="POST",
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    response.read()
            except Exception as exc:  # the receiver's problem: say so, keep watching
                log.warning("webhook %s failed: %s", url, exc)

    def close(self) -> None:
        """Send what is waiting (each within the timeout), then stop."""
        self._queue.put(None)
        self._thread.join(timeout=self.timeout_s * (self._queue.qsize() + 1))
