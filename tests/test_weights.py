import hashlib

import pytest

from videochat_text import ChatModelError, ModuleLoadError
from videochat_text.chat_models import make_chat_model
from videochat_text.config import ChatSettings
from videochat_text.weights import join_parts


def _parts(tmp_path):
    parts = []
    for n, data in enumerate([b"abc" * 1000, b"defg" * 500]):
        parts.append(tmp_path / f"p{n}")
        parts[-1].write_bytes(data)
    return parts, hashlib.sha256(b"abc" * 1000 + b"defg" * 500).hexdigest()


def test_join_parts_checks_the_hash_and_reuses_the_result(tmp_path):
    parts, digest = _parts(tmp_path)
    target = join_parts(parts, tmp_path / "out" / "model.bin", sha256=digest, what="test")
    assert target.read_bytes() == b"abc" * 1000 + b"defg" * 500
    mtime = target.stat().st_mtime_ns
    assert join_parts(parts, target, sha256=digest, what="test").stat().st_mtime_ns == mtime  # not redone


def test_join_parts_rejects_a_bad_hash_and_leaves_nothing(tmp_path):
    parts, _ = _parts(tmp_path)
    with pytest.raises(ModuleLoadError, match="expected 000"):
        join_parts(parts, tmp_path / "out" / "model.bin", sha256="0" * 64, what="test")
    assert not list((tmp_path / "out").iterdir())


def test_packaged_qwen_without_its_packages_names_the_extra(monkeypatch):
    monkeypatch.setattr("videochat_text.chat_models.package_dir", lambda name: None)
    with pytest.raises(ChatModelError, match=r"videochat-text\[offline\]"):
        make_chat_model(ChatSettings(model="packaged-qwen"))
