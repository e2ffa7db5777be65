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
from videochat_text.answering import Answer, Citation
from videochat_text.cache import file_digest
from videochat_text.errors import LibraryError, LibraryFileError
from videochat_text.library import Library, expand_paths
from videochat_text.library.across import cite_videos, moments_description
from videochat_text.library.search import fts_query, fuse
from videochat_text.library.store import SCHEMA_VERSION, LibraryStore, StoredEntry, video_id


def vid(path) -> str:
    """The library's id of a file: the start of its SHA-256."""
    return video_id(file_digest(path))


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
    assert moments[0].video == vid(clips["password"]) and moments[0].name == "password.mp4"
    assert "pineapple" in moments[0].text.lower()
    assert moments[0].module == "speech" and 0 <= moments[0].start < moments[0].end <= 3.6


def test_search_by_meaning_finds_words_that_are_not_there(shared, clips):
    library, _ = shared
    query = "price of a hot beverage"  # no word of it is said in the coffee clip
    assert not set(query.split()) & set(SENTENCES["coffee"].lower().strip(".").split())
    assert library.search(query, top_k=1)[0].video == vid(clips["coffee"])


def test_ask_across_videos_answers_from_the_right_one_and_cites_it(shared, clips, fake_chat):
    library, config = shared
    model = fake_chat('The secret password is pineapple, in the video "password".')
    asking = Library(config, chat_model=model)
    answer = asking.ask("Which video tells the secret password?")
    prompt = "\n".join(str(m.content) for m in model.seen[0])
    assert "A library of 5 videos" in prompt
    [line] = [line for line in prompt.splitlines() if "pineapple" in line]
    assert '] speech: video "password": ' in line  # each moment names its video
    assert prompt.count("<video_description>") == 1  # fenced like a single video's description
    assert answer.text.startswith("The secret password is pineapple")
    assert [c.video for c in answer.citations] == [vid(clips["password"])]
    assert answer.citations[0].text == line.split('"password": ', 1)[1]  # the video's own entry
    assert answer.citations[0].event_ids == ("speech-1",)


def test_a_conversation_across_videos_remembers_the_question_before(shared, clips, fake_chat):
    library, config = shared
    model = fake_chat("The cat is called Oscar.", "The coffee costs three dollars.")
    session = Library(config, chat_model=model).chat()
    session.ask("What is the cat called?")
    second = session.ask("And how much is the coffee?")
    asked = [str(m.content) for m in model.seen[1]]
    assert any("What is the cat called?" in m for m in asked[:-1])  # the first turn is in the history
    assert '"coffee": ' in asked[0].split("<video_description>")[1]  # this question's moments (system message)
    assert [c.video for c in second.citations] == [vid(clips["coffee"])]


def test_an_answer_that_uses_no_moment_cites_none(shared, fake_chat):
    """The old library path cited the top hit (`or [0]`) even when the answer used nothing of it."""
    library, config = shared
    answer = Library(config, chat_model=fake_chat("The videos do not say.")).ask("Who won the match?")
    assert answer.citations == []


def test_citations_point_at_each_moments_own_video():
    hits = [StoredEntry(rowid=7, video="a" * 16, name="a.mp4", start=0, end=1, module="speech",
                        text='"The bus leaves at noon."', event_ids=("speech-1",)),
            StoredEntry(rowid=9, video="b" * 16, name="b.mp4", start=0.5, end=2, module="speech",
                        text='"My cat is called Whiskers."', event_ids=("speech-4", "speech-5"))]
    description, sources = moments_description(hits, videos=12, modules={})
    assert description.header().startswith("A library of 12 videos")
    lines = [e.text for e in description.events]
    assert lines == ['video "a": "The bus leaves at noon."', 'video "b": "My cat is called Whiskers."']
    whiskers = next(e for e in description.events if "Whiskers" in e.text)
    answer = Answer(text="Whiskers.", citations=[Citation(start=0.5, end=2, module="speech", text=whiskers.text,
                                                          event_ids=whiskers.ids)])
    cited = cite_videos(answer, sources).citations
    assert [(c.video, c.text, c.event_ids) for c in cited] == [("b" * 16, '"My cat is called Whiskers."',
                                                                 ("speech-4", "speech-5"))]


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
    assert [m.video for m in library.search("beach")] == [vid(video)]
    assert library.search("Oscar") == []  # the old entries are gone, not kept beside the new ones
    assert len(library.list()) == 1


def test_remove_prune_and_the_cli(tmp_path, clips):
    from videochat_text.cli import app

    config = library_config(tmp_path, embeddings=False)
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))  # JSON is YAML
    folder = tmp_path / "videos"
    folder.mkdir()
    for name in ("cat", "coffee", "beach", "meeting"):
        shutil.copy(clips[name], folder / f"{name}.mp4")
    runner = CliRunner()
    added = runner.invoke(app, ["library", "add", str(folder), "-c", str(config_file), "--workers", "1"])
    assert added.exit_code == 0, added.output
    found = runner.invoke(app, ["library", "search", "Oscar", "-c", str(config_file), "--format", "json"])
    hits = json.loads(found.stdout)
    assert hits[0]["video"] == {"id": vid(folder / "cat.mp4"), "name": "cat.mp4"}
    assert set(hits[0]) == {"video", "start", "end", "module", "text", "event_ids", "score"}
    removed = runner.invoke(app, ["library", "remove", str(folder / "cat.mp4"), "-c", str(config_file)])
    assert removed.exit_code == 0 and "cat.mp4" in removed.stdout
    by_id = runner.invoke(app, ["library", "remove", vid(folder / "meeting.mp4"), "-c", str(config_file)])
    assert by_id.exit_code == 0 and "meeting.mp4" in by_id.stdout  # one id scheme: the API's ids work here
    (folder / "coffee.mp4").unlink()
    pruned = runner.invoke(app, ["library", "prune", "-c", str(config_file)])
    assert pruned.exit_code == 0 and "coffee.mp4" in pruned.stdout
    listed = runner.invoke(app, ["library", "list", "-c", str(config_file), "--format", "json"])
    [beach] = json.loads(listed.stdout)
    assert (beach["id"], beach["name"], beach["video"], beach["status"]) == (
        vid(folder / "beach.mp4"), "beach.mp4", str(folder / "beach.mp4"), "done")
    assert (folder / "beach.mp4").exists() and (folder / "cat.mp4").exists()  # the user's files are not touched
    missing = runner.invoke(app, ["library", "remove", str(folder / "cat.mp4"), "-c", str(config_file)])
    assert missing.exit_code == LibraryError.exit_code and "not in the library" in missing.output


def test_a_failed_describe_is_listed_with_its_message_and_added_again(tmp_path, clips):
    from videochat_text.cli import app

    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(library_config(tmp_path, embeddings=False)))
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(clips["cat"].read_bytes()[:3000])  # the header and no frames
    runner = CliRunner()
    first = runner.invoke(app, ["library", "add", str(broken), "-c", str(config_file), "--workers", "1"])
    assert first.exit_code == 6
    listed = runner.invoke(app, ["library", "list", "-c", str(config_file)])
    assert listed.stdout.startswith(f"{vid(broken)}\tfailed\t") and "error: " in listed.stdout
    assert str(tmp_path) in listed.stdout.split("error: ")[0]  # the path, then why
    shutil.copy(clips["cat"], broken)  # fixed: `library add` again describes it
    again = runner.invoke(app, ["library", "add", str(broken), "-c", str(config_file), "--workers", "1"])
    assert again.exit_code == 0, again.output
    [record] = Library(library_config(tmp_path, embeddings=False)).list()
    assert (record.status, record.error, record.path) == ("done", None, str(broken))


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
    with pytest.raises(LibraryFileError, match="newer videochat-text"):
        LibraryStore(path)
    (tmp_path / "junk.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(LibraryFileError, match="cannot open it as a library"):
        LibraryStore(tmp_path / "junk.sqlite")


def test_a_library_from_version_1_is_migrated_in_place(tmp_path, clips):
    """A file written before ids, statuses and conversations: its videos keep their entries and
    get ids; a file stored twice under two paths is one video."""
    from videochat_text.library.store import _TABLES, _execute

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    _execute(db, _TABLES)
    digest = file_digest(clips["cat"])
    for n, where in enumerate(["/videos/cat.mp4", "/copies/cat.mp4"]):
        db.execute("INSERT INTO videos (path, sha256, settings_key, duration, info, summary, failures, added_at)"
                   " VALUES (?, ?, 'k', 3.5, '{}', '', '[]', ?)", (where, digest, n))
        db.execute('INSERT INTO entries (video_id, event_ids, start, "end", module, text, data)'
                   " VALUES (?, '[\"speech-1\"]', 0.3, 2.0, 'speech', '\"My cat is called Whiskers.\"', '{}')",
                   (n + 1,))
    db.execute("PRAGMA user_version = 1")
    db.close()
    store = LibraryStore(path)
    [record] = store.videos()
    assert (record.id, record.name, record.path, record.status, record.entries) == (
        vid(clips["cat"]), "cat.mp4", "/videos/cat.mp4", "done", 1)
    assert store.description_json(record.id) is None  # described again (from the cache) when opened
    assert store.full_text(fts_query("whiskers"), 5) == [1]


def test_ask_on_an_empty_library_says_what_to_do(tmp_path, fake_chat):
    library = Library(library_config(tmp_path, embeddings=False), chat_model=fake_chat("unused"))
    with pytest.raises(LibraryError, match="has no described videos: add videos"):
        library.ask("anything?")


def test_default_workers_one_per_core_as_memory_allows():
    from videochat_text.library.workers import default_workers

    assert default_workers(cpus=2, memory_bytes=24e9) == 2
    assert default_workers(cpus=16, memory_bytes=8e9) == 5  # ~1.5 GB a worker
    assert default_workers(cpus=4, memory_bytes=1e9) == 1


@pytest.mark.slow
def test_the_embedded_model_answers_which_video_says_the_password_and_cites_it(shared, clips):
    """The held-out example of issue 24: `library ask` answered with the file name in place of the
    password. Now the real default chat model, through the one answering path."""
    library, config = shared
    answer = Library(config).ask("Which video mentions a password, and what is it?")
    assert "pineapple" in answer.text.lower()
    assert answer.citations and answer.citations[0].video == vid(clips["password"])
