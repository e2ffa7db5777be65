"""Describing many videos in parallel: worker processes, two writers, a killed run, Ray (local and a
two-node cluster on the loopback).

These run the real CLI in subprocesses, as a user would; search by words is enough to check
what was stored, so the workers skip the embedding model (`library_config(embeddings=False)`).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.library_media import library_config, make_library_clips
from videochat_text.library import Library

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "videochat_text"]


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    return make_library_clips(tmp_path_factory.mktemp("parallel-clips"))


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def _config_file(tmp: Path, **options) -> Path:
    path = tmp / "config.json"
    path.write_text(json.dumps(library_config(tmp, **options)))  # JSON is YAML
    return path


def _rows(library: Path) -> tuple[list[str], list[tuple]]:
    db = sqlite3.connect(library)
    try:
        videos = [r[0] for r in db.execute("SELECT path FROM videos WHERE status = 'done' ORDER BY path")]
        entries = db.execute("SELECT v.path, e.event_ids FROM entries e JOIN videos v ON v.id = e.video_id").fetchall()
        db.execute("INSERT INTO entries_fts (entries_fts) VALUES ('integrity-check')")  # index matches the rows
        return videos, entries
    finally:
        db.close()


def _stored_videos(library: Path) -> int:
    """How many videos are stored so far (0 while the library's schema is not yet committed)."""
    try:
        db = sqlite3.connect(f"file:{library}?mode=ro", uri=True)
        try:
            return db.execute("SELECT count(*) FROM videos").fetchone()[0]
        finally:
            db.close()
    except sqlite3.OperationalError:
        return 0


def test_a_bad_file_in_the_middle_fails_alone(tmp_path, clips):
    folder = tmp_path / "videos"
    folder.mkdir()
    for name in ("cat", "coffee"):
        shutil.copy(clips[name], folder / f"{name}.mp4")
    (folder / "damaged.mp4").write_bytes(os.urandom(20_000))
    shutil.copy(clips["beach"], folder / "e-beach.mp4")
    config = _config_file(tmp_path, embeddings=False)
    run = subprocess.run([*CLI, "library", "add", str(folder), "-c", str(config), "--workers", "2"],
                         capture_output=True, text=True, env=_env(), timeout=600)
    assert run.returncode == 6, run.stderr
    failed = [line for line in run.stderr.splitlines() if line.startswith("failed:")]
    assert len(failed) == 1 and "damaged.mp4" in failed[0] and "Traceback" not in run.stderr
    assert "3 described, 0 unchanged, 1 failed" in run.stderr
    videos, _ = _rows(tmp_path / "library.sqlite")
    assert videos == sorted(str(folder / f) for f in ("cat.mp4", "coffee.mp4", "e-beach.mp4"))
    listed = subprocess.run([*CLI, "library", "list", "-c", str(config)], capture_output=True, text=True, env=_env())
    [damaged] = [line for line in listed.stdout.splitlines() if "damaged.mp4" in line]
    assert "\tfailed\t" in damaged and damaged.split("error: ")[1] in failed[0]  # kept, with its message


def test_two_add_processes_on_one_library_lose_and_duplicate_nothing(tmp_path, clips):
    config = _config_file(tmp_path, embeddings=False)
    paths = [str(p) for p in clips.values()]
    warm = Library(json.loads(config.read_text()))
    warm.add(paths[:1], in_process=True)  # the models and one description cached; the rest race
    runs = [subprocess.Popen([*CLI, "library", "add", *order, "-c", str(config), "--workers", "1"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
            for order in (paths, paths[::-1])]
    for run in runs:
        _, stderr = run.communicate(timeout=600)
        assert run.returncode == 0, stderr
    videos, entries = _rows(tmp_path / "library.sqlite")
    assert videos == sorted(paths)
    assert len(entries) == len(set(entries)) == 5  # one spoken sentence per clip, stored once
    assert Library(json.loads(config.read_text())).search("pineapple")[0].name == "password.mp4"


def test_a_killed_run_resumes_with_only_the_rest(tmp_path, clips):
    config = _config_file(tmp_path, embeddings=False)
    paths = [str(p) for p in clips.values()]
    library = tmp_path / "library.sqlite"
    command = [*CLI, "library", "add", *paths, "-c", str(config), "--workers", "1", "-m", "speech,objects"]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(),
                           start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and run.poll() is None:
            if _stored_videos(library):
                break
            time.sleep(0.05)
    finally:
        os.killpg(run.pid, signal.SIGKILL)  # the driver and its worker, mid-run
        run.wait()
    done_before, _ = _rows(library)
    assert 1 <= len(done_before) < len(paths), "the run was not interrupted mid-way"
    again = subprocess.run(command, capture_output=True, text=True, env=_env(), timeout=600)
    assert again.returncode == 0, again.stderr
    rest = len(paths) - len(done_before)
    assert f"{rest} described, {len(done_before)} unchanged, 0 failed" in again.stderr
    assert _rows(library)[0] == sorted(paths)


def _worker_processes(pid: int) -> list[int]:
    """The pool's worker processes under the driver ``pid`` (not multiprocessing's resource tracker)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    workers = []
    for child in children:
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.append(int(child))
        except OSError:
            pass
    return workers


def test_a_worker_that_dies_costs_a_retry_not_the_batch(tmp_path, clips):
    config = _config_file(tmp_path, embeddings=False)
    paths = [str(clips[name]) for name in ("cat", "coffee", "beach")]
    run = subprocess.Popen([*CLI, "library", "add", *paths, "-c", str(config), "--workers", "1"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and run.poll() is None and not (workers := _worker_processes(run.pid)):
        time.sleep(0.05)
    assert workers, "no worker process appeared"
    os.kill(workers[0], signal.SIGKILL)  # as the out-of-memory killer would
    _, stderr = run.communicate(timeout=600)
    assert run.returncode == 0, stderr
    assert "a worker process died; starting new workers" in stderr
    assert "3 described, 0 unchanged, 0 failed" in stderr
    assert _rows(tmp_path / "library.sqlite")[0] == sorted(paths)


def test_local_ray_with_two_cpus(tmp_path, clips, ray_home):
    pytest.importorskip("ray")
    import ray


    library = Library(library_config(tmp_path, embeddings=False))
    paths = [str(clips[name]) for name in ("cat", "password", "beach")]
    report = library.add(paths, ray=True, workers=2)
    assert sorted(report.added) == sorted(paths) and not report.failed
    assert not ray.is_initialized()  # the Ray it started is shut down
    assert library.search("pineapple")[0].name == "password.mp4"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_CLUSTER = """
set -e
ip link set lo up
{ray} start --head --port={port} --node-ip-address=127.0.0.1 --num-cpus=1 --include-dashboard=false \
    --disable-usage-stats --object-store-memory=100000000 >&2
{ray} start --address=127.0.0.1:{port} --node-ip-address=127.0.0.1 --num-cpus=1 --disable-usage-stats \
    --object-store-memory=100000000 >&2
set +e
{python} -m videochat_text -v library add {videos} -c {config} --ray 127.0.0.1:{port}
status=$?
{ray} stop >&2
exit $status
"""


def test_a_two_node_ray_cluster_on_the_loopback(tmp_path, clips):
    """``ray start --head`` and a worker node, ``library add --ray ADDRESS``, then ``ray stop``.

    All inside a private network and process namespace: Ray binds to the machine's network
    address unless only the loopback exists, and ``ray stop`` there ends only this cluster."""
    pytest.importorskip("ray")
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if not unshare or not ip or subprocess.run([unshare, "--net", "--pid", "--fork", "--mount-proc", "true"],
                                               capture_output=True).returncode != 0:
        pytest.skip("needs unshare (util-linux) with the right to make network and process namespaces (root)")
    config = _config_file(tmp_path, embeddings=False)
    paths = [str(clips[name]) for name in ("meeting", "password", "coffee")]
    ray = f"{sys.executable} -c 'from ray.scripts.scripts import main; main()'"  # the nodes run this interpreter
    script = _CLUSTER.format(port=_free_port(), python=sys.executable, ray=ray, videos=" ".join(paths), config=config)
    env = {key: value for key, value in _env().items() if not key.startswith("RAY_")}  # no other Ray's settings
    env = {**env, "RAY_USAGE_STATS_ENABLED": "0", "HOME": str(tmp_path),  # Ray's ~/.ray: this cluster's own
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run([unshare, "--net", "--pid", "--fork", "--mount-proc", "bash", "-c", script],
                         capture_output=True, text=True, env=env, timeout=900)
    assert run.returncode == 0, run.stderr[-6000:]
    assert "on Ray at 127.0.0.1" in run.stderr and "2 nodes, 2 CPUs" in run.stderr
    assert "3 described, 0 unchanged, 0 failed" in run.stderr
    assert Library(json.loads(config.read_text())).search("pineapple")[0].name == "password.mp4"


_KILLED_WHILE_PUTTING = '''
import multiprocessing, time
from videochat_text.library.workers import _ProgressChannel

def hold_the_write_lock(queue):  # as a worker killed in the middle of putting a progress report
    queue._wlock.acquire()
    time.sleep(120)

if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    channel = _ProgressChannel(context, lambda *report: None)
    worker = context.Process(target=hold_the_write_lock, args=(channel.queue,))
    worker.start()
    time.sleep(3)
    worker.kill()
    worker.join()
    channel.close()
    print("closed", flush=True)
'''


def test_a_worker_killed_while_reporting_progress_does_not_keep_the_process_from_exiting(tmp_path):
    """A worker killed while it held the progress queue's write lock (Ctrl-C, `_stop_workers`) once
    left the parent's queue feeder waiting for that lock, and Python joins the feeder at exit: pytest
    printed '1091 passed' in CI and never ended."""
    script = tmp_path / "killed_while_putting.py"
    script.write_text(_KILLED_WHILE_PUTTING)
    done = subprocess.run([sys.executable, str(script)], env=_env(), capture_output=True, text=True, timeout=90)
    assert done.returncode == 0 and "closed" in done.stdout, done.stderr[-2000:]
