"""The rule questions (``tests/data/qa/rule_questions.yaml``): the answering layer against the answers
a small chat model gives, on descriptions as the modules report them.

Each question comes with the model's answer (and its answer when asked again); the final
answer the session shows must state nothing no module reported (`devkit.invented`). The
chat model is scripted (these measure the rules, not the model); the descriptions are built
from the scenes in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from videochat_text.detections import Detection
from videochat_text.payloads import ObjectsData, SpeechData
from videochat_text.timeline import Description, Event, ModuleRecord, VideoInfo
from .invented import Grounds

RULE_QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "qa" / "rule_questions.yaml"

COCO = """person bicycle car motorcycle airplane bus train truck boat traffic light fire hydrant stop sign parking meter
bench bird cat dog horse sheep cow elephant bear zebra giraffe backpack umbrella handbag tie suitcase frisbee skis
snowboard sports ball kite baseball bat baseball glove skateboard surfboard tennis racket bottle wine glass cup fork
knife spoon bowl banana apple sandwich orange broccoli carrot hot dog pizza donut cake chair couch potted plant bed
dining table toilet tv laptop mouse remote keyboard cell phone microwave oven toaster sink refrigerator book clock
vase scissors teddy bear hair drier toothbrush"""
_TWO_WORD = ["traffic light", "fire hydrant", "stop sign", "parking meter", "sports ball", "baseball bat",
             "baseball glove", "tennis racket", "wine glass", "hot dog", "potted plant", "dining table", "cell phone",
             "hair drier", "teddy bear"]


def coco_labels() -> list[str]:
    text = COCO
    for label in _TWO_WORD:
        text = text.replace(label, label.replace(" ", "_"))
    return [w.replace("_", " ") for w in text.split()]


@dataclass
class RuleResult:
    question: str
    scene: str
    model_answer: str
    answer: str
    path: str
    unreported: list[str]
    """What the shown answer states that no module reported (empty: as it must be)."""


def scene_description(name: str, scene: dict[str, Any]) -> Description:
    """A description holding the scene's detections and speech, as the default modules write them."""
    events = []
    for start, end, labels in scene.get("objects", []):
        for t in range(int(start), int(end)):  # one event a sampled frame, as the detector gives them
            detections = tuple(Detection(label=label, score=0.9, box=(10.0, 10.0, 100.0, 100.0)) for label in labels)
            text = ", ".join(f"1 {label} (center)" for label in sorted(labels))
            events.append(Event(start=t, end=t + 1, module="objects", text=text, data=ObjectsData(detections=detections, frame_size=(640, 360))))
    for start, end, speaker, words in scene.get("speech", []):
        events.append(Event(start=start, end=end, module="speech", text=f'{speaker}: "{words}"',
                            data=SpeechData(speaker=speaker, transcript=words)))
    duration = max((e.end for e in events), default=1.0) + 1
    modules = {"speech": ModuleRecord(evidence="heard")}
    if "objects" in scene:
        modules["objects"] = ModuleRecord(evidence="seen", vocabulary=coco_labels())
    info = VideoInfo(path=f"{name}.mp4", duration=duration, fps=25, width=640, height=360, has_audio=True)
    return Description(video=info, events=events, modules=modules, sample_every_s=1.0)


def scripted_chat(*answers: str):
    """A chat model that gives ``answers`` in turn (the last one again once they run out), and
    translates a question by giving it back (the rules see the question as asked)."""
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.outputs import ChatGeneration, ChatResult

    class Scripted(BaseChatModel):
        script: list[str]

        @property
        def _llm_type(self) -> str:
            return "scripted"

        def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
            last = str(messages[-1].content)
            if last.startswith("Translate this question into English"):
                text = last.split("\n\n", 1)[1]
            else:
                text = self.script.pop(0) if len(self.script) > 1 else self.script[0]
            return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])

    return Scripted(script=list(answers))


def run_rule_questions(split: str, path: Path = RULE_QUESTIONS) -> Iterator[RuleResult]:
    """Ask each question of ``split`` (``dev`` or ``held_out``) with its scripted answers."""
    from videochat_text import VideoChat

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    scenes = {name: scene_description(name, scene) for name, scene in data["scenes"].items()}
    settings = {"cache": {"enabled": False}, "retrieval": {"mode": "never"}}
    for item in data[split]:
        description = scenes[item["scene"]]
        model = scripted_chat(item["answer"], item.get("retry", item["answer"]))
        answer = VideoChat(settings, chat_model=model).ask(description, item["q"])
        unreported = Grounds.of(description).invented(answer.text, [item["q"]])
        yield RuleResult(item["q"], item["scene"], item["answer"], answer.text, answer.path, unreported)
