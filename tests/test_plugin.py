"""The example third-party package in examples/plugin-brightness, installed by `make test`."""

from importlib.metadata import PackageNotFoundError, distribution

import numpy as np
import pytest
import skimage.data
from typer.testing import CliRunner

from videochat_text.cli import app
from videochat_text.modules import get_module_class, module_names
from devkit.synthetic import Shot, make_clip


@pytest.fixture(scope="module", autouse=True)
def installed():
    try:
        distribution("videochat-brightness")
    except PackageNotFoundError:
        pytest.fail("the example plugin is not installed; `make test` installs examples/plugin-brightness")


def test_plugin_registers_through_the_entry_point_group():
    assert "brightness" in module_names()
    assert get_module_class("brightness").__module__ == "videochat_brightness"


def test_plugin_runs_from_the_cli_with_config(tmp_path, config_file):
    photo = skimage.data.astronaut()
    night = (photo * 0.1).astype(np.uint8)  # the same photo, underexposed
    clip = make_clip(tmp_path / "night.mp4", [Shot(night, 3.0), Shot(photo, 3.0)], audio=False)
    config_file.write_text(config_file.read_text() + "modules:\n  brightness:\n    dark_below: 0.2\n")
    result = CliRunner().invoke(app, ["describe", str(clip), "-m", "brightness,objects", "-c", str(config_file)])
    assert result.exit_code == 0, result.stderr
    assert "brightness: the picture is dark" in result.stdout
    dark_lines = [line for line in result.stdout.splitlines() if "the picture is dark" in line]
    assert dark_lines[0].startswith("[0:00:00.0") and all("0:00:03" not in line.split("–")[0] for line in dark_lines)
    assert "objects: 1 person" in result.stdout


def test_plugin_settings_are_validated(tmp_path, config_file, speech_clip):
    config_file.write_text(config_file.read_text() + "modules:\n  brightness:\n    dark_belw: 0.2\n")
    result = CliRunner().invoke(app, ["describe", str(speech_clip), "-m", "brightness", "-c", str(config_file)])
    assert result.exit_code == 2 and "modules.brightness: dark_belw" in result.stderr
