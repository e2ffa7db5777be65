"""The wheel installs the design card's top level under the package's names.

`perception/` and `prompts/` sit at the top of the repository and install as
`videochat_text.perception` and `videochat_text.prompts` (setuptools ``package-dir``). The
test builds a real wheel from a copy of the sources (so nothing stale in a ``build/`` folder
can hide a missing file), installs it into a fresh folder and imports from there.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("videochat_text", "perception", "prompts")
INSTALLED = {"videochat_text": "videochat_text", "perception": "videochat_text/perception", "prompts": "videochat_text/prompts"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    for name in SOURCES:
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(tree)],
        check=True, capture_output=True, text=True,
    )
    (built,) = out.glob("videochat_text-*.whl")
    return built


def _source_files() -> list[tuple[str, str]]:
    """(repository path, path inside the wheel) of every file the package must ship."""
    pairs = []
    for top, installed in INSTALLED.items():
        for path in sorted((ROOT / top).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            relative = path.relative_to(ROOT / top).as_posix()
            if top == "videochat_text" and relative.split("/")[0] in ("perception", "prompts"):
                continue
            pairs.append((f"{top}/{relative}", f"{installed}/{relative}"))
    return pairs


def test_the_wheel_holds_every_source_file_under_the_package_name(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [source for source, inside in _source_files() if inside not in names]
    assert not missing, f"not in the wheel: {missing}"
    # The top-level folders install only under the package, never as packages of their own.
    assert not [n for n in names if n.startswith(("perception/", "prompts/", "devkit/", "tests/"))]
    assert "videochat_text/perception/speech.py" in names
    assert "videochat_text/prompts/system.txt" in names
    assert "videochat_text/perception/kinetics400.txt" in names


def test_the_wheels_entry_points_name_the_installed_modules(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (entry_points,) = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
        parser = configparser.ConfigParser()
        parser.read_string(archive.read(entry_points).decode())
    modules = dict(parser["videochat_text.modules"])
    assert modules["speech"] == "videochat_text.perception.speech:SpeechModule"
    assert set(modules) >= {"speech", "objects", "scenes", "captions", "actions", "tags", "ocr"}
    assert parser["console_scripts"]["videochat-text"] == "videochat_text.cli:main"


def test_the_installed_wheel_imports_perception_and_reads_prompts(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, text=True)
    probe = (
        # The checkout's editable install maps these names too: only the wheel's copy may answer.
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in getattr(f, '__module__', '')]\n"
        "import importlib.resources, videochat_text.perception.speech as speech, videochat_text.prompts as prompts\n"
        "print(speech.__file__)\n"
        "print(importlib.resources.files('videochat_text.prompts').joinpath('system.txt').read_text()[:40])\n"
        "from videochat_text.perception.classifiers import kinetics400_labels\n"
        "print(len(kinetics400_labels()))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    module_file, prompt_start, labels = run.stdout.splitlines()
    assert Path(module_file).is_relative_to(target), module_file  # the wheel's copy, not the checkout's
    assert prompt_start.strip()
    assert labels == "400"
