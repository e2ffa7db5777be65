"""Language detection that holds: speech after leading silence, in German, Spanish and Chinese (issue 15)."""

import numpy as np
import pytest

from devkit.synthetic import SPEECH_RATE, make_speech_after_silence
from videochat_text.perception.language import detection_windows
from videochat_text.perception.speech import SpeechModule
from videochat_text.perception.whisper_backends import Transcript, WhisperBackend
from videochat_text.perception.transcript import compression_ratio
from videochat_text.timeline import Media
from videochat_text.video import load_audio, probe


@pytest.fixture(scope="module")
def multilingual():
    return SpeechModule({"model": "packaged-base"})


def _run(module, path):
    info = probe(path)
    return module.run(Media(info=info, frames=[], audio=load_audio(path, info=info), sample_every_s=1.0))


def test_detection_windows_cover_the_speech_evenly():
    speech = np.arange(8 * SPEECH_RATE, dtype=np.float32)
    windows = detection_windows(speech, 3)
    assert [len(w) for w in windows] == [6 * SPEECH_RATE] * 3
    assert [w[0] for w in windows] == [0, SPEECH_RATE, 2 * SPEECH_RATE]
    long = np.zeros(100 * SPEECH_RATE, np.float32)
    assert [len(w) for w in detection_windows(long, 3)] == [30 * SPEECH_RATE] * 3
    assert len(detection_windows(speech, 1)) == 1


@pytest.mark.slow
@pytest.mark.parametrize(
    ("voice", "text", "language", "words"),
    [
        # Whisper's own detection (one window, padded) said Arabic here and wrote Arabic script.
        ("de", "Wir treffen uns morgen um acht Uhr am Bahnhof.", "de", {"bahnhof"}),
        ("es", "Mañana vamos a la playa con mis amigos.", "es", {"playa", "amigos"}),
    ],
)
def test_language_after_leading_silence_is_detected(multilingual, tmp_path, voice, text, language, words):
    events = _run(multilingual, make_speech_after_silence(tmp_path / f"{voice}.m4a", text, voice))
    assert events and {e.data.language for e in events} == {language}, [e.text for e in events]
    said = " ".join(e.transcript.lower() for e in events)
    assert words <= set(said.replace(".", " ").replace("!", " ").replace(",", " ").split()), said
    assert events[0].start >= 0.5  # timed after the silence (Whisper word times are ±0.3 s)


@pytest.fixture(scope="module")
def mandarin(tmp_path_factory):
    # espeak-ng's `cmn` voice reads most Han characters as English digits ("ni three"), so the
    # Mandarin is written in pinyin with tone numbers for its pinyin voice.
    return make_speech_after_silence(tmp_path_factory.mktemp("zh") / "zh.m4a",
                                     "ni3 hao3. wo3 jiao4 li3 ming2. wo3 zhu4 zai4 bei3 jing1. wo3 xi3 huan1 he1 cha2.",
                                     "cmn-latn-pinyin")


@pytest.mark.slow
def test_mandarin_is_transcribed_when_forced_and_never_loops_when_detected(multilingual, mandarin):
    # Whisper base does not recognise espeak-ng's Mandarin as Chinese (it votes English, Latin,
    # Thai); detected, it used to loop ("twau hwau hwau …" in Latin). The guards drop such loops
    # and the low probability says the language is a guess.
    detected = _run(multilingual, mandarin)
    assert all(compression_ratio(e.transcript) < 2.4 for e in detected), [e.text for e in detected]
    assert all(e.data.language_probability < 0.6 for e in detected)
    forced = _run(SpeechModule({"model": "packaged-base", "language": "zh"}), mandarin)
    said = "".join(e.transcript for e in forced)
    han = [c for c in said if "\u4e00" <= c <= "\u9fff"]
    assert {e.data.language for e in forced} == {"zh"} and len(han) >= 6 and "我" in said, said


class ScriptedWhisper(WhisperBackend):
    """A backend answering from a script, to test how `speech` picks among languages (orchestration only)."""

    name = "scripted"
    default_model = "-"

    def __init__(self, settings, probabilities, transcripts):
        super().__init__(settings)
        self.probabilities, self.transcripts, self.asked = probabilities, transcripts, []

    def check(self):
        pass

    def load(self):
        pass

    multilingual = True

    def language_probabilities(self, audio):
        return self.probabilities

    def transcribe(self, audio, language, *, vad=None):
        self.asked.append(language)
        text, logprob = self.transcripts[language]
        return Transcript([{"start": 1.0, "end": 3.0, "text": text, "avg_logprob": logprob, "no_speech_prob": 0.1,
                            "words": []}], language, 1.0)


@pytest.fixture(scope="module")
def spoken():
    from devkit.synthetic import speak

    return np.concatenate([np.zeros(SPEECH_RATE, np.float32), speak("Good morning, everyone.")])


@pytest.mark.parametrize(
    ("settings", "transcripts", "asked", "kept"),
    [
        # decodes well: no retry
        ({}, {"de": ("Guten Morgen.", -0.4)}, ["de"], "de"),
        # decodes badly; the next language is not clearly better: the detected one stays
        ({}, {"de": ("Der Bund schrifft.", -1.02), "en": ("The boomed shift.", -0.94)}, ["de", "en"], "de"),
        # decodes badly and the next language decodes far better: switched
        ({}, {"de": ("Hid no hriba ala.", -1.6), "en": ("Good morning, everyone.", -0.3)}, ["de", "en"], "en"),
        # only a loop: dropped by the guards, so the next language is tried
        ({}, {"de": ("hwau " * 30, -0.1), "en": ("Good morning.", -0.9)}, ["de", "en"], "en"),
        ({"language_candidates": 1}, {"de": ("Hid no hriba ala.", -1.6)}, ["de"], "de"),
        ({"language": "fr"}, {"fr": ("Bonjour.", -0.5)}, ["fr"], "fr"),
    ],
)
def test_a_badly_decoded_transcript_is_retried_in_the_next_language(spoken, settings, transcripts, asked, kept):
    module = SpeechModule(settings)
    module.whisper = ScriptedWhisper(module.settings, {"de": 0.45, "en": 0.43, "la": 0.05}, transcripts)
    module._loaded = True
    transcript = module.transcribe(spoken)
    assert module.whisper.asked == asked and transcript.language == kept


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_openai_whisper_backend_detects_languages_the_same_way(tmp_path, spoken):
    """A tiny random-weight *multilingual* checkpoint runs openai-whisper's detection and retry path."""
    from dataclasses import asdict

    import torch
    from whisper.model import ModelDimensions, Whisper

    dims = ModelDimensions(n_mels=80, n_audio_ctx=1500, n_audio_state=64, n_audio_head=2, n_audio_layer=1,
                           n_vocab=51865, n_text_ctx=448, n_text_state=64, n_text_head=2, n_text_layer=1)
    torch.manual_seed(0)
    model = Whisper(dims)
    with torch.no_grad():  # some Whisper parameters start as torch.empty (arbitrary memory)
        for parameter in model.parameters():
            parameter.normal_(0, 0.02)
    path = tmp_path / "tiny-random-multilingual.pt"
    torch.save({"dims": asdict(dims), "model_state_dict": model.state_dict()}, path)
    # One candidate: random weights decode slowly (to the token limit), and the retry rule is tested above.
    module = SpeechModule({"backend": "openai-whisper", "model": str(path), "beam_size": 1, "language_candidates": 1})
    module.ensure_loaded()
    assert module.whisper.multilingual
    probabilities = module.whisper.language_probabilities(spoken)
    assert len(probabilities) == 99 and sum(probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    transcript = module.transcribe(spoken)
    assert transcript.language in probabilities and 0 < transcript.probability <= 1


def test_a_forced_language_is_checked_against_its_script():
    from videochat_text.perception.language import written_in_its_script

    assert not written_in_its_script("Ni, I'll walk yall e min,", "zh")
    assert written_in_its_script("你把我叫移民", "zh") and written_in_its_script("Привет", "ru")
    assert written_in_its_script("Hallo Welt", "de") and written_in_its_script("", "zh")
