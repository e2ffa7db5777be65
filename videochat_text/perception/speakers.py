"""Who said what: speaker labels on the `speech` module's sentences.

Per stretch of audio (`label_speakers`): short windows inside the spoken words are
embedded with Resemblyzer's GE2E voice encoder (`ge2e`), clustered (the number of
voices estimated, or a fixed one), and turns shorter than ``MIN_TURN_S`` are
smoothed away; each word takes the voice around it, and a sentence whose words
change voice is split there. Labels are local to the stretch: each sentence keeps
its mean voice embedding (``data["voice"]``), and `relabel_video` clusters the
stretches' voices together once the whole video is done, so a voice keeps one
label (``S1``, ``S2``, … in order of first appearance) in every stretch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from videochat_text.errors import ModuleLoadError
from videochat_text.perception.ge2e import FRAME_S, VoiceEncoder, mel_frames
from videochat_text.timeline import Event

log = logging.getLogger(__name__)

WINDOW_FRAMES = 100
"""Mel frames per embedded window (1 s): shorter windows tell voices apart less reliably,
longer ones straddle turns."""
HOP_FRAMES = 25
"""A window every 0.25 s (each second of speech is embedded four times)."""
MIN_SPEECH_SHARE = 0.5
"""A window is embedded only if at least this share of it lies inside spoken words."""
SAME_VOICE_DISTANCE = 0.34
"""Average-linkage cosine distance below which two groups of windows are one voice (estimated count)."""
MIN_VOICE_S = 2.0
"""A voice heard for less than this (in window time) is noise or a turn's edge: its windows
join the nearest voice."""
MIN_TURN_S = 0.8
"""Turns shorter than this are smoothed into the voice around them."""
VOICE_DECIMALS = 3
BATCH = 64


@dataclass(frozen=True)
class _Window:
    start: float  # seconds from the start of the video
    end: float

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2


def speaker_count(setting: str | int) -> int | None:
    """``auto`` → None (estimate); an int → that many voices."""
    return None if setting == "auto" else int(setting)


def label_speakers(events: Sequence[Event], audio: np.ndarray, audio_start: float, encoder: VoiceEncoder,
                   count: int | None = None) -> list[Event]:
    """Speech events with ``data["speaker"]`` (local to this audio) and ``data["voice"]``,
    split where the voice changes inside a sentence.

    Args:
        events: this stretch's speech sentences, with ``data["words"]`` as ``[word, start, end]``.
        audio: 16 kHz mono samples; ``audio[0]`` is at ``audio_start`` seconds.
        count: a fixed number of voices, or None to estimate it.
    """
    if not events:
        return []
    spans = [(float(w[1]), float(w[2])) for e in events for w in _words(e)]
    mel = mel_frames(audio)
    windows = _speech_windows(spans, audio_start, len(mel))
    windows += _windows_for_unseen(events, windows, audio_start, len(mel))
    embeddings = _embed(encoder, mel, windows, audio_start)
    labels = _cluster(embeddings, count, window_s=HOP_FRAMES * FRAME_S)
    labels = _smooth([w.middle for w in windows], labels)
    pieces = [piece for e in events for piece in _split_by_voice(e, windows, labels)]
    order = {old: f"S{n + 1}" for n, old in enumerate(dict.fromkeys(label for _, label in pieces))}
    labelled = []
    for event, label in pieces:
        voice = {"group": f"{audio_start:g}/{order[label]}",
                 "embedding": _mean_voice(embeddings, windows, labels, event, label)}
        labelled.append(_with_speaker(event, order[label], voice))
    return labelled


def _words(event: Event) -> list[list]:
    """The event's ``[word, start, end]`` triples; one covering the whole event if it has none."""
    return event.data.get("words") or [[event.data.get("transcript", event.text), event.start, event.end]]


def _speech_windows(spans: list[tuple[float, float]], audio_start: float, frames: int) -> list[_Window]:
    """Windows mostly inside spoken words, a hop apart."""
    spoken = np.zeros(frames, dtype=bool)
    for start, end in spans:
        spoken[max(0, int((start - audio_start) / FRAME_S)):max(0, int(np.ceil((end - audio_start) / FRAME_S)))] = True
    if frames < WINDOW_FRAMES:
        return [_Window(audio_start, audio_start + frames * FRAME_S)] if spoken.any() else []
    share = np.convolve(spoken, np.ones(WINDOW_FRAMES), mode="valid") / WINDOW_FRAMES
    return [_Window(audio_start + i * FRAME_S, audio_start + (i + WINDOW_FRAMES) * FRAME_S)
            for i in range(0, len(share), HOP_FRAMES) if share[i] >= MIN_SPEECH_SHARE]


def _windows_for_unseen(events: Sequence[Event], windows: list[_Window], audio_start: float,
                        frames: int) -> list[_Window]:
    """One window centred on each sentence no window's middle falls in (short sentences)."""
    extra = []
    end_s = audio_start + frames * FRAME_S
    half = WINDOW_FRAMES * FRAME_S / 2
    for event in events:
        if any(event.start <= w.middle <= event.end for w in windows):
            continue
        middle = min(max((event.start + event.end) / 2, audio_start + half), end_s - half)
        extra.append(_Window(max(audio_start, middle - half), min(end_s, middle + half)))
    return extra


def _embed(encoder: VoiceEncoder, mel: np.ndarray, windows: list[_Window], audio_start: float) -> np.ndarray:
    if not windows:
        return np.zeros((0, 256), np.float32)
    starts = [int(round((w.start - audio_start) / FRAME_S)) for w in windows]
    length = min(WINDOW_FRAMES, len(mel))
    starts = [min(max(0, s), len(mel) - length) for s in starts]
    batches = [encoder.embed(np.stack([mel[s:s + length] for s in starts[i:i + BATCH]]))
               for i in range(0, len(starts), BATCH)]
    return np.concatenate(batches)


def _cluster(embeddings: np.ndarray, count: int | None, window_s: float) -> np.ndarray:
    """A voice index per window: average-linkage cosine clustering, cut at `SAME_VOICE_DISTANCE`
    (or at ``count`` clusters); voices heard less than `MIN_VOICE_S` join their nearest voice."""
    n = len(embeddings)
    if n < 2 or count == 1:
        return np.zeros(n, dtype=int)
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(embeddings.astype(np.float64), method="average", metric="cosine")
    if count is None:
        labels = fcluster(tree, t=SAME_VOICE_DISTANCE, criterion="distance") - 1
        labels = _absorb_small(embeddings, labels, min_windows=max(1, int(MIN_VOICE_S / window_s)))
    else:
        labels = fcluster(tree, t=count, criterion="maxclust") - 1
        labels = _absorb_small(embeddings, labels, min_windows=max(1, int(MIN_VOICE_S / window_s)), keep=count)
    return np.unique(labels, return_inverse=True)[1]


def _absorb_small(embeddings: np.ndarray, labels: np.ndarray, min_windows: int, keep: int | None = None) -> np.ndarray:
    """Move the windows of voices with fewer than ``min_windows`` windows to the nearest larger voice
    (with ``keep``, only while more than ``keep`` voices remain)."""
    labels = labels.copy()
    while True:
        voices, sizes = np.unique(labels, return_counts=True)
        if len(voices) < 2 or (keep is not None and len(voices) <= keep):
            return labels
        smallest = voices[np.argmin(sizes)]
        if sizes.min() >= min_windows:
            return labels
        centroids = {v: _normalized(embeddings[labels == v].mean(axis=0)) for v in voices if v != smallest}
        for i in np.flatnonzero(labels == smallest):
            labels[i] = max(centroids, key=lambda v: float(embeddings[i] @ centroids[v]))


def _normalized(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-9)


def _smooth(times: list[float], labels: np.ndarray) -> np.ndarray:
    """Relabel turns (runs of one voice in time order) shorter than `MIN_TURN_S` with the voice of
    the longer neighbouring turn, shortest first."""
    order = np.argsort(times)
    seq = labels[order].copy()
    t = np.asarray(times)[order]
    while True:
        runs = _runs(seq)
        if len(runs) < 2:
            break
        lengths = [t[b - 1] - t[a] + HOP_FRAMES * FRAME_S for a, b in runs]
        shortest = int(np.argmin(lengths))
        if lengths[shortest] >= MIN_TURN_S:
            break
        a, b = runs[shortest]
        neighbours = [k for k in (shortest - 1, shortest + 1) if 0 <= k < len(runs)]
        into = max(neighbours, key=lambda k: lengths[k])
        seq[a:b] = seq[runs[into][0]]
    smoothed = np.empty_like(labels)
    smoothed[order] = seq
    return smoothed


def _runs(seq: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` index ranges of equal consecutive values."""
    cuts = [0] + [i for i in range(1, len(seq)) if seq[i] != seq[i - 1]] + [len(seq)]
    return list(zip(cuts[:-1], cuts[1:]))


def _voice_at(time: float, windows: list[_Window], labels: np.ndarray) -> int:
    """The voice of the window whose middle is nearest ``time``."""
    return int(labels[int(np.argmin([abs(w.middle - time) for w in windows]))])


def _split_by_voice(event: Event, windows: list[_Window], labels: np.ndarray) -> list[tuple[Event, int]]:
    """The sentence, or its pieces where the voice changes between words, each with its voice."""
    words = event.data.get("words") or []
    if not words:
        return [(event, _voice_at((event.start + event.end) / 2, windows, labels))]
    voices = [_voice_at((float(w[1]) + float(w[2])) / 2, windows, labels) for w in words]
    runs = _runs(np.asarray(voices))
    if len(runs) == 1:
        return [(event, voices[0])]
    return [(_piece(event, words[a:b]), voices[a]) for a, b in runs]


def _piece(event: Event, words: list[list]) -> Event:
    text = " ".join(str(w[0]) for w in words)
    start, end = float(words[0][1]), float(words[-1][2])
    return event.model_copy(update={
        "start": round(max(event.start, start), 3), "end": round(min(event.end, max(start, end)), 3),
        "text": f'"{text}"', "data": {**event.data, "transcript": text, "words": words},
    })


def _mean_voice(embeddings: np.ndarray, windows: list[_Window], labels: np.ndarray, event: Event,
                label: int) -> list[float]:
    """The event's voice: the mean embedding of its voice's windows inside it (else of the voice)."""
    inside = [i for i, w in enumerate(windows) if event.start <= w.middle <= event.end and labels[i] == label]
    chosen = inside or [i for i in range(len(windows)) if labels[i] == label]
    return [round(float(v), VOICE_DECIMALS) for v in _normalized(embeddings[chosen].mean(axis=0))]


def _with_speaker(event: Event, speaker: str, voice: dict) -> Event:
    return event.model_copy(update={"text": speaker_text(speaker, event),
                                    "data": {**event.data, "speaker": speaker, "voice": voice}})


def speaker_text(speaker: str, event: Event) -> str:
    """How a labelled sentence reads: ``S1: "Hello there."`` (so a line reads ``speech: S1: "…"``)."""
    return f'{speaker}: "{event.data.get("transcript", event.text.strip(chr(34)))}"'


GLOBAL_SAME_VOICE_DISTANCE = 0.25
"""Cosine distance below which two stretches' voices (mean embeddings, steadier than single
windows, hence a tighter cut than `SAME_VOICE_DISTANCE`) are one voice."""
KNOWN_APART_SHARE = 0.6
"""Two stretches' voices are also kept apart when they are further apart than this share of the
distance between the two closest voices one stretch told apart (measured on espeak-ng voices: one
voice across stretches 0.03–0.1, two female voices 0.15–0.23)."""


def relabel_video(events: Sequence[Event], count: int | None = None) -> list[Event]:
    """Label every voice once for the whole video: ``S1``, ``S2``, … in order of first appearance.

    Each stretch's voices (``data["voice"]["group"]``) are clustered by their mean embedding
    (average linkage; two voices of one stretch are never merged: that stretch told them
    apart with more evidence), cut at `GLOBAL_SAME_VOICE_DISTANCE` or at ``count`` voices.
    ``data["voice"]`` is dropped afterwards: the description keeps only the labels.
    """
    groups: dict[str, list[Event]] = {}
    for event in events:
        voice = event.data.get("voice")
        if isinstance(voice, dict) and voice.get("embedding"):
            groups.setdefault(str(voice["group"]), []).append(event)
    if not groups:
        return list(events)
    names = list(groups)
    centroids = np.stack([_group_centroid(groups[g]) for g in names])
    clusters = _merge_groups(names, centroids, count)
    cluster_of = {g: k for k, members in enumerate(clusters) for g in members}
    ordered = sorted(events, key=lambda e: (e.start, e.end))
    first = dict.fromkeys(cluster_of[e.data["voice"]["group"]] for e in ordered if _grouped(e, groups))
    label = {k: f"S{n + 1}" for n, k in enumerate(first)}
    relabelled = []
    for event in ordered:
        if not _grouped(event, groups):
            relabelled.append(event)
            continue
        speaker = label[cluster_of[event.data["voice"]["group"]]]
        data = {k: v for k, v in event.data.items() if k != "voice"}
        relabelled.append(event.model_copy(update={"text": speaker_text(speaker, event),
                                                   "data": {**data, "speaker": speaker}}))
    return relabelled


def _grouped(event: Event, groups: dict[str, list[Event]]) -> bool:
    voice = event.data.get("voice")
    return isinstance(voice, dict) and str(voice.get("group")) in groups


def _group_centroid(events: list[Event]) -> np.ndarray:
    """Duration-weighted mean voice of a stretch's speaker."""
    weights = np.array([max(e.end - e.start, 0.1) for e in events])
    vectors = np.array([e.data["voice"]["embedding"] for e in events], dtype=np.float64)
    return _normalized((vectors * weights[:, None]).sum(axis=0))


def _merge_groups(names: list[str], centroids: np.ndarray, count: int | None) -> list[list[str]]:
    """Greedy average-linkage merging of stretch voices under the cannot-link rule."""
    stretch = [n.split("/")[0] for n in names]
    distance = 1.0 - centroids @ centroids.T
    apart = [distance[i, j] for i in range(len(names)) for j in range(i + 1, len(names)) if stretch[i] == stretch[j]]
    threshold = min([GLOBAL_SAME_VOICE_DISTANCE] + ([KNOWN_APART_SHARE * min(apart)] if apart else []))
    clusters = [[i] for i in range(len(names))]
    while len(clusters) > 1:
        best, pair = None, None
        for a in range(len(clusters)):
            for b in range(a + 1, len(clusters)):
                if {stretch[i] for i in clusters[a]} & {stretch[i] for i in clusters[b]}:
                    continue
                d = float(np.mean([distance[i, j] for i in clusters[a] for j in clusters[b]]))
                if best is None or d < best:
                    best, pair = d, (a, b)
        if pair is None:
            break
        if count is None and best >= threshold:
            break
        if count is not None and len(clusters) <= count:
            break
        a, b = pair
        clusters[a] += clusters.pop(b)
    return [[names[i] for i in members] for members in clusters]


def load_encoder(setting: str | int) -> VoiceEncoder | bool:
    """The voice encoder, or False when it is missing and ``setting`` is ``auto`` (labels are then
    skipped with one warning; a fixed count makes it an error).

    Raises:
        ModuleLoadError: the encoder is missing and a fixed speaker count was asked for.
    """
    try:
        return VoiceEncoder.from_package()
    except ModuleLoadError as exc:
        if setting != "auto":
            raise
        log.warning("%s; speech has no speaker labels", exc)
        return False
