"""Who said what: speaker labels on the `speech` module's sentences.

Per stretch of audio (`label_speakers`): short windows inside the spoken words are
embedded with Resemblyzer's GE2E voice encoder (`ge2e`), clustered (the number of
voices estimated, or a fixed one), and turns shorter than ``MIN_TURN_S`` are
smoothed away; each word takes the voice around it, and a sentence whose words
change voice is split there. Labels are local to the stretch: each sentence keeps
its mean voice embedding (`SpeechData.voice`), and `relabel_video` clusters the
stretches' voices together once the whole video is done, so a voice keeps one
label (``S1``, ``S2``, … in order of first appearance) in every stretch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from videochat_text.errors import ModuleLoadError
from videochat_text.payloads import SpeechData, Voice, Word
from videochat_text.perception.ge2e import FRAME_S, VoiceEncoder, mel_frames
from videochat_text.timeline import Event

log = logging.getLogger(__name__)

WINDOW_FRAMES = 150
"""Mel frames per embedded window (1.5 s; GE2E was trained on 1.6 s): 1 s windows of slow
speech held one or two words and split one voice into several by what was said."""
HOP_FRAMES = 50
"""A window every 0.5 s (each second of speech is in three windows)."""
MIN_SPEECH_SHARE = 0.5
"""A window is embedded only if at least this share of it lies inside spoken words."""
SAME_VOICE_DISTANCE = 0.3
"""Average-linkage cosine distance below which two groups of windows are one voice (estimated count)."""
CENTROID_SAME_VOICE_DISTANCE = 0.2
"""Cosine distance between two voices' mean embeddings below which they are one voice, within a
stretch (measured on espeak-ng voices: one voice 0.03–0.15, two voices
0.26–0.45; two female variants, en-us+f2 and en+f4, were 0.15–0.23 apart: too close to tell)."""
MIN_VOICE_S = 1.0
"""A voice heard for less than this (in window time) is noise or a turn's edge: its windows
join the nearest voice."""
MIN_TURN_S = 0.8
"""Turns shorter than this are smoothed into the voice around them."""
VOICE_DECIMALS = 3
BATCH = 32
"""Windows embedded together: bigger batches run the LSTM a little faster but hold more memory."""


@dataclass(frozen=True)
class _Window:
    start: float  # seconds from the start of the video
    end: float
    sentence: int  # index of the event it lies in

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2


def speaker_count(setting: str | int) -> int | None:
    """``auto`` → None (estimate); an int → that many voices."""
    return None if setting == "auto" else int(setting)


def label_speakers(events: Sequence[Event], audio: np.ndarray, audio_start: float, encoder: VoiceEncoder,
                   count: int | None = None) -> list[Event]:
    """Speech events with a speaker (local to this audio) and a voice (`SpeechData`),
    split where the voice changes inside a sentence.

    Args:
        events: this stretch's speech sentences (`SpeechData`, with their words).
        audio: 16 kHz mono samples; ``audio[0]`` is at ``audio_start`` seconds.
        count: a fixed number of voices, or None to estimate it.
    """
    if not events:
        return []
    mel = mel_frames(audio)
    windows = _speech_windows(events, audio_start, len(mel))
    if not windows:
        return list(events)
    embeddings = _embed(encoder, mel, windows, audio_start)
    labels = _cluster(embeddings, windows, count)
    for n in range(len(events)):  # a voice change between sentences is a turn; inside one, it must last
        inside = [i for i, w in enumerate(windows) if w.sentence == n]
        labels[inside] = _smooth([windows[i].middle for i in inside], labels[inside])
    pieces = [piece for n, e in enumerate(events)
              for piece in _split_by_voice(e, *_own_windows(n, windows, labels))]
    order = {old: f"S{n + 1}" for n, old in enumerate(dict.fromkeys(label for _, label in pieces))}
    labelled = []
    for event, label in pieces:
        voice = Voice(group=f"{audio_start:g}/{order[label]}",
                      embedding=_mean_voice(embeddings, windows, labels, event, label))
        labelled.append(_with_speaker(event, order[label], voice))
    return labelled


def _speech(event: Event) -> SpeechData:
    if not isinstance(event.data, SpeechData):
        raise TypeError(f"speaker labels need speech events (SpeechData), not {type(event.data).__name__}")
    return event.data


def _words(event: Event) -> tuple[Word, ...]:
    """The event's words; one covering the whole event if it has none."""
    speech = _speech(event)
    return speech.words or (Word(speech.transcript, event.start, event.end),)


def _speech_windows(events: Sequence[Event], audio_start: float, frames: int) -> list[_Window]:
    """Windows inside each sentence's words, a hop apart; one window over a shorter sentence.

    A window never spans two sentences: most turns change between sentences, and a window
    straddling one embeds a blend of two voices (measured: such windows formed a spurious voice).
    """
    windows = []
    length_s, hop_s = WINDOW_FRAMES * FRAME_S, HOP_FRAMES * FRAME_S
    end_of_audio = audio_start + frames * FRAME_S
    for n, event in enumerate(events):
        words = _words(event)
        start, end = max(audio_start, words[0].start), min(end_of_audio, words[-1].end)
        if end - start < length_s:
            if end - start >= 2 * FRAME_S:
                windows.append(_Window(start, end, n))
            continue
        spoken = [(w.start, w.end) for w in words]
        own = [_Window(float(at), float(at + length_s), n) for at in np.arange(start, end - length_s + 1e-6, hop_s)
               if sum(max(0.0, min(e, at + length_s) - max(s, at)) for s, e in spoken) >= MIN_SPEECH_SHARE * length_s]
        if not own or own[-1].end < end - hop_s:  # the sentence's tail
            own.append(_Window(end - length_s, end, n))
        windows += own
    return windows


def _embed(encoder: VoiceEncoder, mel: np.ndarray, windows: list[_Window], audio_start: float) -> np.ndarray:
    """One embedding per window, batched by window length."""
    if not windows:
        return np.zeros((0, 256), np.float32)
    spans = [(max(0, int(round((w.start - audio_start) / FRAME_S))), int(round((w.end - audio_start) / FRAME_S)))
             for w in windows]
    embeddings = np.zeros((len(windows), 256), np.float32)
    by_length: dict[int, list[int]] = {}
    for i, (a, b) in enumerate(spans):
        by_length.setdefault(min(b, len(mel)) - a, []).append(i)
    for length, indices in by_length.items():
        for k in range(0, len(indices), BATCH):
            chunk = indices[k:k + BATCH]
            embeddings[chunk] = encoder.embed(np.stack([mel[spans[i][0]:spans[i][0] + length] for i in chunk]))
    return embeddings


def _cluster(embeddings: np.ndarray, windows: list[_Window], count: int | None) -> np.ndarray:
    """A voice index per window: average-linkage cosine clustering, cut at `SAME_VOICE_DISTANCE`
    (or at ``count`` clusters); voices heard less than `MIN_VOICE_S` join their nearest voice.

    Only full-length windows form voices: a sentence shorter than a window is embedded whole,
    and such short embeddings scatter (measured: "Good morning." alone formed a third voice in a
    two-voice talk), so they take the nearest voice instead.
    """
    full = np.array([w.end - w.start >= WINDOW_FRAMES * FRAME_S - 1e-6 for w in windows])
    if full.sum() < 2:
        full[:] = True
    labels = np.zeros(len(windows), dtype=int)
    labels[full] = _cluster_full(embeddings[full], [w for w, f in zip(windows, full) if f], count)
    if not full.all():
        voices = np.unique(labels[full])
        centroids = np.stack([_normalized(embeddings[full][labels[full] == v].mean(axis=0)) for v in voices])
        labels[~full] = voices[np.argmax(embeddings[~full] @ centroids.T, axis=1)]
    return labels


def _cluster_full(embeddings: np.ndarray, windows: list[_Window], count: int | None) -> np.ndarray:
    n = len(embeddings)
    if n < 2 or count == 1:
        return np.zeros(n, dtype=int)
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(embeddings.astype(np.float64), method="average", metric="cosine")
    if count is None:
        labels = fcluster(tree, t=SAME_VOICE_DISTANCE, criterion="distance") - 1
        labels = _absorb_small(embeddings, windows, labels)
        labels = _merge_close(embeddings, labels)
    else:
        labels = fcluster(tree, t=count, criterion="maxclust") - 1
        labels = _absorb_small(embeddings, windows, labels, keep=count)
    return np.unique(labels, return_inverse=True)[1]


def _heard_s(windows: list[_Window]) -> float:
    """Seconds the windows cover together (they overlap)."""
    total, reach = 0.0, -np.inf
    for w in sorted(windows, key=lambda w: w.start):
        total += max(0.0, w.end - max(w.start, reach))
        reach = max(reach, w.end)
    return total


def _merge_close(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Join voices whose mean embeddings are closer than `CENTROID_SAME_VOICE_DISTANCE`, closest first.

    Average linkage splits one voice that says varied things into parts whose windows differ,
    but whose means stay close."""
    labels = labels.copy()
    while True:
        voices = np.unique(labels)
        if len(voices) < 2:
            return labels
        centroids = np.stack([_normalized(embeddings[labels == v].mean(axis=0)) for v in voices])
        distance = 1.0 - centroids @ centroids.T + 2.0 * np.eye(len(voices))
        a, b = np.unravel_index(int(np.argmin(distance)), distance.shape)
        if distance[a, b] >= CENTROID_SAME_VOICE_DISTANCE:
            return labels
        labels[labels == voices[b]] = voices[a]


def _absorb_small(embeddings: np.ndarray, windows: list[_Window], labels: np.ndarray,
                  keep: int | None = None) -> np.ndarray:
    """Move the windows of voices heard for less than `MIN_VOICE_S` to their nearest other voice,
    the least heard first (with ``keep``, only while more than ``keep`` voices remain)."""
    labels = labels.copy()
    while True:
        voices = np.unique(labels)
        if len(voices) < 2 or (keep is not None and len(voices) <= keep):
            return labels
        heard = [_heard_s([w for w, label in zip(windows, labels) if label == v]) for v in voices]
        if min(heard) >= MIN_VOICE_S:
            return labels
        smallest = voices[int(np.argmin(heard))]
        centroids = {v: _normalized(embeddings[labels == v].mean(axis=0)) for v in voices if v != smallest}
        for i in np.flatnonzero(labels == smallest):
            labels[i] = max(centroids, key=lambda v: float(embeddings[i] @ centroids[v]))


def _normalized(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-9)


def _smooth(times: list[float], labels: np.ndarray) -> np.ndarray:
    """Relabel turns (runs of one voice in time order, within one sentence) shorter than
    `MIN_TURN_S` with the voice of the longer neighbouring turn, shortest first."""
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


def _own_windows(n: int, windows: list[_Window], labels: np.ndarray) -> tuple[list[_Window], np.ndarray]:
    """The windows of sentence ``n`` and their voices (all windows if it is too short for one)."""
    inside = [i for i, w in enumerate(windows) if w.sentence == n]
    return ([windows[i] for i in inside], labels[inside]) if inside else (windows, labels)


def _split_by_voice(event: Event, windows: list[_Window], labels: np.ndarray) -> list[tuple[Event, int]]:
    """The sentence, or its pieces where the voice changes between words, each with its voice."""
    words = _speech(event).words
    if not words:
        return [(event, _voice_at((event.start + event.end) / 2, windows, labels))]
    voices = [_voice_at((w.start + w.end) / 2, windows, labels) for w in words]
    runs = _runs(np.asarray(voices))
    if len(runs) == 1:
        return [(event, voices[0])]
    return [(_piece(event, words[a:b]), voices[a]) for a, b in runs]


def _piece(event: Event, words: Sequence[Word]) -> Event:
    text = " ".join(w.text for w in words)
    start, end = words[0].start, words[-1].end
    return event.model_copy(update={
        "start": round(max(event.start, start), 3), "end": round(min(event.end, max(start, end)), 3),
        "text": f'"{text}"', "data": _speech(event).model_copy(update={"transcript": text, "words": tuple(words)}),
    })


def _mean_voice(embeddings: np.ndarray, windows: list[_Window], labels: np.ndarray, event: Event,
                label: int) -> tuple[float, ...]:
    """The event's voice: the mean embedding of its voice's windows inside it (else of the voice)."""
    inside = [i for i, w in enumerate(windows) if event.start <= w.middle <= event.end and labels[i] == label]
    chosen = inside or [i for i in range(len(windows)) if labels[i] == label]
    return tuple(round(float(v), VOICE_DECIMALS) for v in _normalized(embeddings[chosen].mean(axis=0)))


def _with_speaker(event: Event, speaker: str, voice: Voice | None) -> Event:
    return event.model_copy(update={"text": speaker_text(speaker, event),
                                    "data": _speech(event).model_copy(update={"speaker": speaker, "voice": voice})})


def speaker_text(speaker: str, event: Event) -> str:
    """How a labelled sentence reads: ``S1: "Hello there."`` (so a line reads ``speech: S1: "…"``)."""
    return f'{speaker}: "{_speech(event).transcript}"'


GLOBAL_SAME_VOICE_DISTANCE = 0.25
"""The same across stretches, a little looser: a voice heard in only one or two sentences of a
stretch has a noisier mean (measured: one voice 0.13–0.19 apart between two 14-second stretches,
two voices ≥ 0.28)."""
KNOWN_APART_SHARE = 0.75
"""Two stretches' voices are also kept apart when they are further apart than this share of the
distance between the two closest voices one stretch told apart."""


def relabel_video(events: Sequence[Event], count: int | None = None) -> list[Event]:
    """Label every voice once for the whole video: ``S1``, ``S2``, … in order of first appearance.

    Each stretch's voices (`Voice.group`) are clustered by their mean embedding
    (average linkage; two voices of one stretch are never merged: that stretch told them
    apart with more evidence), cut at `GLOBAL_SAME_VOICE_DISTANCE` or at ``count`` voices.
    The voices are dropped afterwards: the description keeps only the labels.
    """
    groups: dict[str, list[Event]] = {}
    for event in events:
        voice = _voice(event)
        if voice is not None and voice.embedding:
            groups.setdefault(voice.group, []).append(event)
    if not groups:
        return list(events)
    names = list(groups)
    centroids = np.stack([_group_centroid(groups[g]) for g in names])
    clusters = _merge_groups(names, centroids, count)
    cluster_of = {g: k for k, members in enumerate(clusters) for g in members}
    ordered = sorted(events, key=lambda e: (e.start, e.end))
    first = dict.fromkeys(cluster_of[_voice(e).group] for e in ordered if _grouped(e, groups))
    label = {k: f"S{n + 1}" for n, k in enumerate(first)}
    relabelled = []
    for event in ordered:
        if not _grouped(event, groups):
            relabelled.append(event)
            continue
        relabelled.append(_with_speaker(event, label[cluster_of[_voice(event).group]], None))
    return relabelled


def _voice(event: Event) -> Voice | None:
    return event.data.voice if isinstance(event.data, SpeechData) else None


def _grouped(event: Event, groups: dict[str, list[Event]]) -> bool:
    voice = _voice(event)
    return voice is not None and voice.group in groups


def _group_centroid(events: list[Event]) -> np.ndarray:
    """Duration-weighted mean voice of a stretch's speaker."""
    weights = np.array([max(e.end - e.start, 0.1) for e in events])
    vectors = np.array([_voice(e).embedding for e in events], dtype=np.float64)
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
