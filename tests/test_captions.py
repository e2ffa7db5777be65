"""captions: the real transformers BLIP code path on a tiny random BLIP built here."""

import pytest
from conftest import frame_media

from videochat_text import ModuleLoadError, VideoChat
from videochat_text_perception.captions import CaptionsModule


@pytest.fixture(scope="module")
def tiny_blip(tmp_path_factory):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import (BertTokenizerFast, BlipConfig, BlipForConditionalGeneration, BlipImageProcessor,
                              BlipProcessor)

    folder = tmp_path_factory.mktemp("tiny-blip")
    words = "a photo of cat person cup table sitting on the with and".split()
    tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator([" ".join(words)], trainers.WordLevelTrainer(
        special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]"]))
    fast = BertTokenizerFast(tokenizer_object=tokenizer, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
                             sep_token="[SEP]", mask_token="[MASK]", bos_token="[DEC]")
    processor = BlipProcessor(image_processor=BlipImageProcessor(size={"height": 32, "width": 32}), tokenizer=fast)
    processor.save_pretrained(folder)
    vocab = tokenizer.get_vocab_size()
    config = BlipConfig(
        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
                       "image_size": 32, "patch_size": 8},
        text_config={"vocab_size": vocab, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                     "num_attention_heads": 2, "encoder_hidden_size": 32, "bos_token_id": 5, "pad_token_id": 0,
                     "sep_token_id": 3, "eos_token_id": 3},
        projection_dim=32, image_text_hidden_size=32,
    )
    import torch

    torch.manual_seed(0)  # an unseeded random model sometimes generates only special tokens: an empty caption
    BlipForConditionalGeneration(config).save_pretrained(folder)
    return folder


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
