"""The library of many videos, in this process: store, hybrid search, ask across videos, CLI.

The parallel runners (worker processes, Ray) are in test_library_parallel.py.
"""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from typer.testing import CliRunner

from tests.library_media import SENTENCES, library_config, make_library_clips
from videochat_text.errors import LibraryError
from videochat_text.library import Library, expand_paths
from videochat_text.library.answering import cite_retrieved_moments
from videochat_text.library.search import Moment, fts_query, fuse
from videochat_text.library.store import SCHEMA_VERSION, LibraryStore


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    return make_library_clips(tmp_path_factory.mktemp("library-clips"))


@pytest.fixture(scope="session")
def shared(tmp_path_factory, clips):
    """One library of the five clips, described in this process (read-only for the tests using it)."""
    tmp = tmp_path_factory.mktemp("library")
    config = library_config(tmp)
    library = Library(config)
    report = library.add([clips["meeting"].parent], in_process=True)
    assert sorted(report.added) == sorted(str(p) for p in clips.values()) and not report.failed
    return library, config


def test_a_phrase_said_in_one_video_is_found_first(shared, clips):
    library, _ = shared
    moments = library.search("secret password")
    assert moments[0].video == str(clips["password"])
    assert "pineapple" in moments[0].text.lower()
    assert moments[0].module == "speech" and 0 <= moments[0].start < moments[0].end <= 3.6


def test_search_by_meaning_finds_words_that_are_not_there(shared, clips):
    library, _ = shared
    query = "price of a hot beverage"  # no word of it is said in the coffee clip
    assert not set(query.split()) & set(SENTENCES["coffee"].lower().strip(".").split())
    assert library.search(query, top_k=1)[0].video == str(clips["coffee"])


def test_ask_across_videos_answers_from_the_right_one_and_cites_it(shared, clips, fake_chat):
    library, config = shared
    model = fake_chat("The secret password is pineapple (password.mp4 at 0:00).")
    asking = Library(config, chat_model=model)
    answer = asking.ask("Which video tells the secret password?")
    prompt = "\n".join(str(m.content) for m in model.seen[0])
    assert "password.mp4 [0:00:00" in prompt and "pineapple" in prompt.lower()
    assert prompt.count("<video_description>") == 1  # fenced like a single video's description
    assert answer.text.startswith("The secret password is pineapple")
    assert answer.citations and answer.citations[0].video == str(clips["password"])
    assert answer.to_json_dict()["citations"][0]["video"] == str(clips["password"])


def test_citations_follow_the_answer_not_the_ranking():
    first = Moment(video="/v/a.mp4", start=0, end=1, module="speech", text='"The bus leaves at noon."', score=0.3)
    second = Moment(video="/v/b.mp4", start=5, end=6, module="speech", text='"My cat is called Whiskers."', score=0.2)
    asked = "What is the cat called?"
    assert [c.video for c in cite_retrieved_moments(asked, "The cat is called Whiskers.", [first, second])] == ["/v/b.mp4"]
    assert [c.video for c in cite_retrieved_moments(asked, "It is in b.mp4.", [first, second])] == ["/v/b.mp4"]
    assert [c.video for c in cite_retrieved_moments(asked, "Yes.", [first, second])] == ["/v/a.mp4"]  # nothing shared: the best
    assert cite_retrieved_moments(asked, "The video description does not say.", [first, second]) == []


def test_fusion_and_query_quoting():
    assert [i for i, _ in fuse([[1, 2, 3], [3, 1]])] == [1, 3, 2]
    assert fts_query('pass" OR NEAR(x*') == '"pass" OR "or" OR "near" OR "x"'  # user text is never FTS syntax
    assert fts_query("?!") is None


def test_unchanged_file_is_a_no_op_and_a_changed_one_is_described_again(tmp_path, clips):
    library = Library(library_config(tmp_path, embeddings=False))
    video = tmp_path / "renamed later.mp4"
    shutil.copy(clips["cat"], video)
    assert library.add([video], in_process=True).added == [str(video)]
    again = library.add([video], in_process=True)
    assert again.unchanged == [str(video)] and not again.added
    shutil.copy(clips["beach"], video)  # same path, other content
    assert library.add([video], in_process=True).added == [str(video)]
    assert [m.video for m in library.search("beach")] == [str(video)]
    assert library.search("Whiskers") == []  # the old entries are gone, not kept beside the new ones
    assert len(library.list()) == 1


def test_remove_prune_and_the_cli(tmp_path, clips):
    from videochat_text.cli import app

    config = library_config(tmp_path, embeddings=False)
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))  # JSON is YAML
    folder = tmp_path / "videos"
    folder.mkdir()
    for name in ("cat", "coffee", "beach"):
        shutil.copy(clips[name], folder / f"{name}.mp4")
    runner = CliRunner()
    added = runner.invoke(app, ["library", "add", str(folder), "-c", str(config_file), "--workers", "1"])
    assert added.exit_code == 0, added.output
    found = runner.invoke(app, ["library", "search", "Whiskers", "-c", str(config_file), "--format", "json"])
    hits = json.loads(found.stdout)
    assert hits[0]["video"] == str(folder / "cat.mp4")
    assert set(hits[0]) == {"video", "start", "end", "module", "text", "score"}
    removed = runner.invoke(app, ["library", "remove", str(folder / "cat.mp4"), "-c", str(config_file)])
    assert removed.exit_code == 0 and "cat.mp4" in removed.stdout
    (folder / "coffee.mp4").unlink()
    pruned = runner.invoke(app, ["library", "prune", "-c", str(config_file)])
    assert pruned.exit_code == 0 and "coffee.mp4" in pruned.stdout
    listed = runner.invoke(app, ["library", "list", "-c", str(config_file), "--format", "json"])
    assert [v["video"] for v in json.loads(listed.stdout)] == [str(folder / "beach.mp4")]
    missing = runner.invoke(app, ["library", "remove", str(folder / "cat.mp4"), "-c", str(config_file)])
    assert missing.exit_code == LibraryError.exit_code and "not in the library" in missing.output


def test_paths_folders_and_globs_expand_to_videos(tmp_path, clips):
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(clips["cat"], tmp_path / "a" / "b" / "deep.MP4")
    shutil.copy(clips["cat"], tmp_path / "a" / "top.mkv")
    (tmp_path / "a" / "notes.txt").write_text("not a video")
    files, missing = expand_paths([tmp_path / "a", str(tmp_path / "a" / "*.mkv"), tmp_path / "nope.mp4"])
    assert files == [str(tmp_path / "a" / "b" / "deep.MP4"), str(tmp_path / "a" / "top.mkv")]
    assert missing == [str(tmp_path / "nope.mp4")]


def test_store_schema_is_versioned(tmp_path):
    path = tmp_path / "lib.sqlite"
    LibraryStore(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(LibraryError, match="newer videochat-text"):
        LibraryStore(path)
    (tmp_path / "junk.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(LibraryError, match="cannot open it as a library"):
        LibraryStore(tmp_path / "junk.sqlite")


def test_ask_on_an_empty_library_says_what_to_do(tmp_path, fake_chat):
    library = Library(library_config(tmp_path, embeddings=False), chat_model=fake_chat("unused"))
    with pytest.raises(LibraryError, match="is empty: add videos"):
        library.ask("anything?")


def test_default_workers_one_per_core_as_memory_allows():
    from videochat_text.library.workers import default_workers

    assert default_workers(cpus=2, memory_bytes=24e9) == 2
    assert default_workers(cpus=16, memory_bytes=8e9) == 5  # ~1.5 GB a worker
    assert default_workers(cpus=4, memory_bytes=1e9) == 1
