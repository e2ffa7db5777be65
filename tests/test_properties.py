"""Properties of the timeline's formats and the config loader, checked on generated input (hypothesis).

Each format is read back by an independent parser: JSON by the model itself, SRT by the
``srt`` library, Markdown by markdown-it-py (CommonMark with GFM tables).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import srt
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from videochat_text import ConfigError
from videochat_text.config import Settings, load_settings
from videochat_text.timeline import Description, Event, VideoInfo, clock_times, format_timestamp, marked

HOURS_99 = 99 * 3600 + 59 * 60 + 59.9
"""The longest time `clock_times` reads back: it takes one or two hour digits."""

# Text as modules write it: any printable character of any script, spaces, tabs and line breaks
# (OCR and speech can hold them); no other control characters.
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(" \t\n\r"), max_size=80)
SECONDS = st.floats(min_value=0, max_value=HOURS_99, allow_nan=False, allow_infinity=False)
JSON_LEAF = st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False, allow_infinity=False) | TEXT
JSON_VALUE = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                          max_leaves=8)
MODULE = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True)


@st.composite
def events(draw) -> Event:
    start = draw(SECONDS)
    end = draw(st.floats(min_value=start, max_value=max(start, HOURS_99), allow_nan=False))
    data = draw(st.dictionaries(TEXT.filter(lambda k: k != "detections"), JSON_VALUE, max_size=3))
    return Event(start=start, end=end, module=draw(MODULE), text=draw(TEXT), data=data)


@st.composite
def descriptions(draw) -> Description:
    audio_only = draw(st.booleans())
    info = VideoInfo(path=f"/videos/{draw(TEXT.filter(lambda s: '/' not in s and s.strip()))}.mp4",
                     duration=draw(SECONDS), fps=0.0 if audio_only else 25.0, width=0 if audio_only else 640,
                     height=0 if audio_only else 480, has_video=not audio_only, has_audio=True)
    return Description(video=info, events=draw(st.lists(events(), max_size=6)))


LINE_BREAK = re.compile(r"\s*[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+\s*")


def _one_line(text: str) -> str:
    """What a one-line format can carry of ``text``: line breaks become spaces, the ends are trimmed."""
    return LINE_BREAK.sub(" ", text).strip()


# --- times ------------------------------------------------------------------------------------
@settings(deadline=None)
@given(SECONDS)
def test_a_timestamp_reads_back_as_the_nearest_tenth_of_a_second(seconds):
    # Rounded half up in every format (the page, the CLI, SRT): 1.75 s reads 0:00:01.8.
    (read,) = clock_times(format_timestamp(seconds))
    assert abs(read - seconds) <= 0.05 + 1e-6


@settings(deadline=None)
@given(SECONDS, SECONDS)
def test_timestamps_keep_the_order_of_times(a, b):
    a, b = sorted((a, b))
    assert clock_times(format_timestamp(a))[0] <= clock_times(format_timestamp(b))[0]


@settings(deadline=None)
@given(SECONDS)
def test_an_srt_timestamp_reads_back_to_the_millisecond(seconds):
    assert srt.srt_timestamp_to_timedelta(format_timestamp(seconds, srt=True)) == datetime.timedelta(
        milliseconds=round(seconds * 1000))


def test_a_negative_time_is_refused():
    with pytest.raises(ValueError, match="negative"):
        format_timestamp(-0.1)


# --- formats ----------------------------------------------------------------------------------
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(descriptions())
def test_json_round_trips_exactly(description):
    again = Description.from_json(description.to_json())
    assert again == description and again.to_json() == description.to_json()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(descriptions())
def test_srt_reads_back_one_cue_per_event_with_its_times_and_text(description):
    cues = list(srt.parse(description.to_srt()))
    assert len(cues) == len(description.events)
    for cue, event in zip(cues, description.events):
        assert cue.start == datetime.timedelta(milliseconds=round(event.start * 1000))
        assert cue.end == datetime.timedelta(milliseconds=round(max(event.end, event.start + 0.001) * 1000))
        assert _one_line(cue.content) == _one_line(f"{event.module}: {event.text}")


def _table_rows(markdown: str) -> list[list[str]]:
    """The body rows of the events table, each cell's text as a reader sees it."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    rows, row, inside = [], None, False
    for token in tokens:
        if token.type == "tbody_open":
            inside = True
        elif token.type == "tbody_close":
            inside = False
        elif inside and token.type == "tr_open":
            row = []
        elif inside and token.type == "tr_close":
            rows.append(row)
        elif inside and token.type == "inline":
            row.append("".join(_plain(child) for child in token.children or []))
    return rows


def _plain(token: Any) -> str:
    if token.type in ("text", "code_inline"):
        return token.content
    if token.type in ("softbreak", "hardbreak"):
        return "\n"
    return f"<{token.type}>"  # markup made of the text (emphasis, a link): the text was not literal


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(descriptions())
def test_markdown_reads_back_one_table_row_per_event_with_its_text_literal(description):
    rows = _table_rows(description.to_markdown())
    assert len(rows) == len(description.events)
    for (start, end, module, text), event in zip(rows, description.events):
        assert (start, end, module) == (format_timestamp(event.start), format_timestamp(event.end), event.module)
        assert _one_line(text) == _one_line(marked(event.text))  # orders to an AI are marked, all else literal


# --- the config loader --------------------------------------------------------------------------
DEFAULTS = Settings().model_dump(mode="json")


def _leaves(tree: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = []
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            found += _leaves(value, (*prefix, key))
        else:
            found.append(((*prefix, key), value))
    return found


LEAVES = _leaves(DEFAULTS)


def _value_like(value: Any) -> st.SearchStrategy:
    """A value of the same JSON type as ``value`` (or, at times, of another)."""
    same = {bool: st.booleans(), int: st.integers(-10**6, 10**6), float: st.floats(-1e6, 1e6, allow_nan=False),
            str: TEXT, list: st.lists(TEXT, max_size=3)}.get(type(value), st.none())
    return same | JSON_LEAF


@st.composite
def configs(draw) -> dict[str, Any]:
    """The defaults with a few settings changed to values of their type (some invalid)."""
    chosen = draw(st.lists(st.sampled_from(LEAVES), max_size=4, unique_by=lambda leaf: leaf[0]))
    config: dict[str, Any] = {}
    for path, value in chosen:
        node = config
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = draw(_value_like(value))
    return config


def _one_line_config_error(exc: ConfigError) -> bool:
    return bool(str(exc).strip()) and "\n" not in str(exc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_a_config_loads_or_fails_with_one_line_and_what_loads_reloads_the_same(tmp_path_factory, config):
    path = tmp_path_factory.mktemp("config") / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    try:
        loaded = load_settings(path)
    except ConfigError as exc:
        assert _one_line_config_error(exc), str(exc)
        return
    dumped = loaded.model_dump(mode="json")
    # Secrets are dumped masked ("**********") on purpose, so that no log or report shows them.
    for section, key in [("chat", "api_key"), ("serve", "token")]:
        secret = getattr(getattr(loaded, section), key)
        # (an empty secret dumps empty: it hides nothing; found by hypothesis: chat.api_key '')
        assert dumped[section][key] == (None if secret is None else "**********" if secret.get_secret_value() else "")
        dumped[section][key] = None if secret is None else secret.get_secret_value()
    assert load_settings(dumped) == loaded  # a loaded config is a fixed point
    for path_keys, _ in _leaves(config):
        node: Any = dumped
        for key in path_keys:
            node = node[key]  # every setting given is kept (no silent drop)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([leaf[0] for leaf in LEAVES]), st.from_regex(r"[a-z_]{1,12}", fullmatch=True))
def test_an_unknown_setting_anywhere_is_named_in_the_error(path, name):
    section = path[:-1]
    if name in _node(DEFAULTS, section):
        return
    config: dict[str, Any] = {}
    node = config
    for key in section:
        node = node.setdefault(key, {})
    node[name] = 1
    if section == ("modules",):  # per-module settings are checked by each module, not the loader
        return
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert name in str(caught.value) and _one_line_config_error(caught.value)


def _node(tree: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    for key in keys:
        tree = tree[key]
    return tree


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_any_config_file_loads_or_fails_with_one_line(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("config") / "config.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_settings(path)
    except ConfigError as exc:
        assert _one_line_config_error(exc), str(exc)
