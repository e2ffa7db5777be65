"""captions: the real transformers BLIP code path on a tiny random BLIP (built in conftest)."""

import pytest
from conftest import frame_media

from videochat_text import ModuleLoadError, VideoChat
from videochat_text.perception.captions import CaptionsModule


def test_tiny_blip_runs_the_real_captioning_path(tiny_blip, speech_clip):
    module = CaptionsModule({"model": str(tiny_blip), "max_new_tokens": 5, "device": "cpu"})
    assert module.weights_status() == "ok"
    events = module.run(frame_media(speech_clip))
    assert module._model.__class__.__name__ == "BlipForConditionalGeneration"
    assert [e.start for e in events] == pytest.approx([0.0, 4.0, 7.0], abs=0.05)
    assert [e.end for e in events] == pytest.approx([4.0, 7.0, 10.0], abs=0.05)  # each holds until the next
    assert all(e.module == "captions" and e.text for e in events)


def test_captions_through_the_pipeline_with_a_prompt(tiny_blip, speech_clip, tmp_path):
    vc = VideoChat({"cache": {"dir": str(tmp_path)},
                    "modules": {"captions": {"model": str(tiny_blip), "prompt": "a photo of", "max_new_tokens": 4}}})
    d = vc.describe(speech_clip, modules=["captions", "objects"])
    assert not d.failures and len(d.by_module("captions")) == 3
    assert all(e.text.startswith("a photo of") for e in d.by_module("captions"))


def test_absent_weights_say_so(speech_clip):
    module = CaptionsModule({"model": "Salesforce/blip-image-captioning-base"})
    assert "not a local folder nor in the Hugging Face cache" in module.weights_status()
    with pytest.raises(ModuleLoadError, match="modules.captions.model"):
        module.run(frame_media(speech_clip))
