"""The library's SQLite file used from many threads at once, as a server uses it: a connection per
thread, writers serialized by SQLite, the vector cache reloaded once per change, and Ray's
environment restored without clearing it.

The embeddings are langchain's deterministic fake (hash-seeded vectors): these tests are about
who touches what when, not about ranking.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time

import numpy as np
import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from videochat_text.library.search import VectorSearch, fts_query
from videochat_text.library.store import DescribedFile, LibraryStore, StoredTurn
from videochat_text.timeline import Event

DIM = 16


def _described(n: int, entries: int = 20) -> DescribedFile:
    events = [Event(start=float(i), end=float(i) + 1, module="speech", text=f"video {n} says word{i} and shared",
                    id=f"speech-{i + 1}") for i in range(entries)]
    vectors = np.random.default_rng(n).standard_normal((entries, DIM)).astype(np.float32)
    return DescribedFile(path=f"/videos/v{n:04d}.mp4", sha256=f"{n:016x}" + "0" * 48, settings_key="k", info={"duration": 20.0},
                         summary="", failures=[], modules={}, entries=events, vectors=vectors, embedding_model="fake",
                         description_json="{}")


def test_each_thread_has_its_own_connection_and_none_is_shared(tmp_path):
    store = LibraryStore(tmp_path / "library.sqlite")
    seen: dict[str, sqlite3.Connection] = {}

    def grab(name: str) -> None:
        seen[name] = store._db
        store.count()

    threads = [threading.Thread(target=grab, args=(f"t{n}",)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen.values()} | {id(store._db)}) == 4
    with pytest.raises(sqlite3.ProgrammingError, match="same thread"):
        seen["t0"].execute("SELECT 1")  # the thread check is on: a connection never crosses threads


def test_writers_and_readers_hammering_one_store_lose_nothing(tmp_path):
    store = LibraryStore(tmp_path / "library.sqlite")
    errors: list[BaseException] = []
    writers, per_writer = 4, 15
    stop = threading.Event()

    def write(w: int) -> None:
        try:
            for k in range(per_writer):
                n = w * per_writer + k
                store.put_video(_described(n))
                if k % 5 == 4:  # a second write of the same video replaces it whole
                    store.put_video(_described(n))
                store.save_turn(f"c{w}", None, StoredTurn(f"q{k}", f"a{k}", []), keep_turns=100)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    def read() -> None:
        try:
            while not stop.is_set():
                store.count()
                store.full_text(fts_query("shared"), 10_000)
                store.videos(limit=5)
                store.total(name="v00")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in threads + readers:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert errors == []
    assert store.count() == (writers * per_writer, writers * per_writer * 20)
    assert [len(store.conversation(f"c{w}").turns) for w in range(writers)] == [per_writer] * writers
    db = sqlite3.connect(tmp_path / "library.sqlite")
    db.execute("INSERT INTO entries_fts (entries_fts) VALUES ('integrity-check')")  # the index matches the rows
    db.close()


def test_the_vector_cache_reloads_once_per_change_however_many_threads_search(tmp_path, monkeypatch):
    store = LibraryStore(tmp_path / "library.sqlite")
    store.put_video(_described(1))
    search = VectorSearch(store, DeterministicFakeEmbedding(size=DIM), "fake")
    loads = []
    real = store.vectors

    def slow_vectors(model: str):
        loads.append(threading.get_ident())
        time.sleep(0.05)  # a big library takes a while to read: every thread arrives meanwhile
        return real(model)

    monkeypatch.setattr(store, "vectors", slow_vectors)
    results: list[list[int]] = []

    def query() -> None:
        results.append(search.search("word3", 5))

    for round_ in range(2):
        threads = [threading.Thread(target=query) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(loads) == round_ + 1  # one read of the file per change, not one per thread
        store.put_video(_described(2 + round_))
    assert all(len(r) == 5 for r in results)
    assert len(set(map(tuple, results[8:]))) == 1  # every thread saw the same (reloaded) matrix


def test_ray_environment_is_restored_variable_by_variable(monkeypatch):
    from videochat_text.library.workers import _restore_environment

    monkeypatch.setenv("VCT_TEST_CHANGED", "before")
    before = dict(os.environ)

    def never(*_):
        raise AssertionError("os.environ.clear() while other threads may read the environment")

    monkeypatch.setattr(os.environ, "clear", never)
    os.environ["RAY_ADDED_BY_INIT"] = "1"  # what ray.init() does to the driver's environment
    os.environ["VCT_TEST_CHANGED"] = "after"
    _restore_environment(before)
    assert dict(os.environ) == before
