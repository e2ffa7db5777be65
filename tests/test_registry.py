import pytest

from videochat_text import ConfigError, Event, PerceptionModule, UnknownModuleError, register_module, unregister_module
from videochat_text.modules import ModuleSettings, create_module, get_module_class, module_names


def test_builtins_register_through_entry_points():
    names = module_names()
    assert {"speech", "objects"} <= set(names)
    assert get_module_class("speech").__module__ == "videochat_text.perception.speech"


def test_unknown_module_lists_known_ones():
    with pytest.raises(UnknownModuleError, match=r"Unknown module 'objcts'; available: .*objects.*speech"):
        get_module_class("objcts")


def test_settings_typo_is_a_config_error():
    with pytest.raises(ConfigError, match=r"modules.objects: min_scor"):
        create_module("objects", {"min_scor": 0.3})


def test_runtime_registration():
    class Echo(PerceptionModule):
        name = "echo"

        class Settings(ModuleSettings):
            word: str = "hi"

        def run(self, media):
            return [Event(start=0, end=0, module="echo", text=self.settings.word)]

    register_module(Echo)
    try:
        assert "echo" in module_names()
        assert create_module("echo", {"word": "yo"}).settings.word == "yo"
    finally:
        unregister_module("echo")
    assert "echo" not in module_names()
