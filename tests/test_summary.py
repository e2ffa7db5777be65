"""Summarizers: merge, and the real T5 code path on a tiny random T5 built in the test."""

import logging

import pytest

from videochat_text import ModuleLoadError, VideoChat
from videochat_text.config import SummarySettings
from videochat_text.detections import Detection
from videochat_text.payloads import DetectionsData, OcrData
from videochat_text.summary import FallbackSummarizer, MergeSummarizer, T5Summarizer, make_summarizer, time_windows
from videochat_text.timeline import Event, ModuleRecord, VideoInfo

LONG = VideoInfo(path="long.mp4", duration=400.0, fps=25, width=640, height=480)


def _events(n=40, every_s=10.0):
    return [Event(start=i * every_s, end=i * every_s + 2, module="speech", text=f'"the cat eats fish number {i}"')
            for i in range(n)]


@pytest.fixture(scope="module")
def tiny_t5(tmp_path_factory):
    """A randomly initialized T5 with a word-level tokenizer trained here: the real architecture, no download."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

    folder = tmp_path_factory.mktemp("tiny-t5")
    tokenizer = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    corpus = ["summarize what happens in this video the cat eats fish number speech objects person 0 1 2 3 4 5 6 7 8 9"]
    tokenizer.train_from_iterator(corpus, trainers.WordLevelTrainer(special_tokens=["<pad>", "</s>", "<unk>"]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    fast.save_pretrained(folder)
    config = T5Config(vocab_size=tokenizer.get_vocab_size(), d_model=32, d_ff=64, d_kv=8, num_layers=1,
                      num_decoder_layers=1, num_heads=2, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    import torch

    torch.manual_seed(0)  # the same random model every run: its outputs are reproducible
    T5ForConditionalGeneration(config).save_pretrained(folder)
    return folder


def test_time_windows_group_by_start():
    windows = time_windows(_events(), 120.0)
    assert [(a, b, len(g)) for a, b, g in windows] == [(0.0, 120.0, 12), (120.0, 240.0, 12), (240.0, 360.0, 12),
                                                       (360.0, 480.0, 4)]


def test_merge_names_ranked_labels_and_counts_the_rest():
    short = VideoInfo(path="a.mp4", duration=10.0, fps=25, width=640, height=480)

    def ranked(start, module, *labels):
        return Event(start=start, end=start + 2, module=module, text=", ".join(labels),
                     data=DetectionsData(detections=[Detection(label=label, score=0.5) for label in labels]))

    events = [ranked(0, "tags", "espresso", "cup"), ranked(4, "tags", "Egyptian cat"), ranked(6, "tags", "espresso"),
              ranked(0, "actions", "juggling"), Event(start=1, end=2, module="scenes", text="shot 2 begins"),
              Event(start=3, end=5, module="ocr", text='"EXIT" (top)',
                    data=OcrData(detections=[Detection(label="EXIT", score=0.9, box=(0, 0, 9, 9))]))]
    records = {"tags": ModuleRecord(evidence="pictured"), "ocr": ModuleRecord(evidence="read"), "actions": ModuleRecord()}
    text = MergeSummarizer().summarize(events, short, records).text
    assert "tags: espresso (from 0:00:00.0), Egyptian cat (from 0:00:04.0)" in text
    assert "actions: juggling (from 0:00:00.0)" in text and "with 1 scenes events" in text
    assert 'ocr: "EXIT" (from 0:00:03.0)' in text
    assert "cup" not in text  # only each event's top label


def test_t5_summarizes_piecewise_then_together(tiny_t5):
    settings = SummarySettings(model=str(tiny_t5), chunk_s=120.0, max_output_tokens=12, fallback="error")
    summarizer = make_summarizer(settings)
    assert isinstance(summarizer, T5Summarizer) and summarizer.unavailable_reason() is None
    summary = summarizer.summarize(_events(), LONG)
    assert summary.source == f"t5:{tiny_t5}"
    assert [(p.start, p.end) for p in summary.pieces] == [(0, 120), (120, 240), (240, 360), (360, 400)]
    for piece in [*summary.pieces, summary]:
        assert len(summarizer._tokenizer(piece.text)["input_ids"]) <= 12 + 1  # max_output_tokens (+ eos)


def test_t5_input_is_truncated_to_its_limit(tiny_t5):
    summarizer = T5Summarizer(SummarySettings(model=str(tiny_t5), max_input_tokens=20, max_output_tokens=8))
    summarizer._load()
    received = []  # the input lengths the model itself is given, whatever the summarizer tokenizes
    generate = summarizer._model.generate

    def spy(*args, **kwargs):
        received.append(kwargs["input_ids"].shape[-1] if "input_ids" in kwargs else args[0].shape[-1])
        return generate(*args, **kwargs)

    summarizer._model.generate = spy
    events = _events(5)
    untruncated = summarizer._tokenizer(summarizer.settings.prefix + " ".join(e.text for e in events))["input_ids"]
    assert len(untruncated) > 20  # without truncation the window would overflow the limit
    summary = summarizer.summarize(events, VideoInfo(path="x", duration=60, fps=25, width=2, height=2))
    assert received == [20] and summary.pieces == []  # one window, cut to exactly the limit; no pieces listed


def test_missing_t5_weights_fall_back_loudly_once(caplog):
    settings = SummarySettings(model="/nonexistent/flan-t5")
    summarizer = make_summarizer(settings)
    assert isinstance(summarizer, FallbackSummarizer)
    FallbackSummarizer._warned.clear()
    with caplog.at_level(logging.WARNING):
        first = summarizer.summarize(_events(3), LONG)
        summarizer.summarize(_events(3), LONG)
    assert first.source == "merge (fallback from t5:/nonexistent/flan-t5)"
    assert first.text == MergeSummarizer().summarize(_events(3), LONG).text
    warnings = [r.getMessage() for r in caplog.records if "using the merge summarizer" in r.getMessage()]
    assert len(warnings) == 1 and "'/nonexistent/flan-t5' is not a local folder" in warnings[0]


def test_fallback_error_mode_raises():
    with pytest.raises(ModuleLoadError, match="summary: T5 model"):
        make_summarizer(SummarySettings(model="/nonexistent", fallback="error")).summarize(_events(1), LONG)


def test_pipeline_uses_a_configured_t5(tiny_t5, speech_clip, tmp_path, fake_modules):
    vc = VideoChat({"cache": {"dir": str(tmp_path)}, "summary": {"model": str(tiny_t5), "fallback": "error"}})
    d = vc.describe(speech_clip, modules=["counting"])
    assert d.summary.source == f"t5:{tiny_t5}"
    # The words are the tiny T5's own: what it makes of these events, not the merge summary.
    direct = T5Summarizer(SummarySettings(model=str(tiny_t5))).summarize(d.events, d.video)
    assert d.summary.text and d.summary.text == direct.text
    assert d.summary.text != MergeSummarizer().summarize(d.events, d.video).text


@pytest.mark.parametrize(("duration", "opening"), [
    (8.0, "An 8.0-second video"), (11.0, "An 11-second video"), (18.4, "An 18-second video"),
    (80.0, "An 80-second video"), (10.0, "A 10-second video"), (1.5, "A 1.5-second video"),
    (110.0, "A 110-second video"), (11000.0, "An 11000-second video")])
def test_the_opening_article_goes_by_how_the_number_is_said(duration, opening):
    info = VideoInfo(path="a.mp4", duration=duration, fps=25, width=64, height=48)
    assert MergeSummarizer().summarize([], info).text.startswith(opening)
