from pathlib import Path

import pytest

from videochat_text import ConfigError, VideoChat
from devkit.evaluation import Question, QASet, evaluate

QA_PATH = Path(__file__).parent / "data" / "qa" / "qa.yaml"


def test_the_qa_set_is_valid_and_large_enough():
    qa = QASet.load(QA_PATH)
    questions = [q for c in qa.clips for q in c.questions]
    assert len(questions) >= 30
    assert {"spoken_fact", "object_presence", "count", "when", "at_time", "follow_up"} <= {q.type for q in questions}
    assert all(len(q.turns) >= 2 for q in questions if q.type == "follow_up")


@pytest.mark.parametrize(
    ("answer", "right"),
    [("Yes, a horse.", True), ("No, there is no horse.", False), ("The horse lives in TEXAS.", True), ("", False)],
)
def test_keyword_scoring(answer, right):
    q = Question(type="t", q="?", accept=["yes", "texas"], reject=["no "])
    assert q.is_right(answer) is right


def test_bad_qa_file_is_a_config_error(tmp_path):
    bad = tmp_path / "qa.yaml"
    bad.write_text("clips: [{name: x}]")
    with pytest.raises(ConfigError, match="qa.yaml"):
        QASet.load(bad)


def test_follow_ups_run_in_one_chat_and_score_the_last_turn(tmp_path, fake_chat):
    qa = QASet.model_validate({"clips": [{
        "name": "tiny", "shots": [["chelsea", 2]], "lines": [[0.3, "My cat is called Whiskers."]],
        "questions": [{"type": "follow_up", "turns": ["Name?", "And again?"], "accept": ["whiskers"]}]}]})
    model = fake_chat("It is a cat.", "Whiskers.")
    report = evaluate(qa, VideoChat({"cache": {"dir": str(tmp_path / "c")}}, chat_model=model), tmp_path / "m")
    (result,) = report.results
    assert result.right and result.answer == "Whiskers." and len(model.seen[-1]) == 4
    assert report.by_type()["all"]["accuracy"] == 1.0


@pytest.mark.slow
def test_embedded_model_on_a_qa_subset(tmp_path):
    """The CI-sized run: first three questions of each clip with the real offline pipeline."""
    qa = QASet.load(QA_PATH).subset(3)
    report = evaluate(qa, VideoChat({"cache": {"dir": str(tmp_path / "cache")}}), tmp_path / "media")
    summary = report.by_type()
    assert summary["all"]["n"] == 12
    # Regression guard: measured 9/9 spoken facts on the full set (2026-11-25).
    assert summary["spoken_fact"]["accuracy"] >= 0.75, report.table()
    # "Is there a cup/motorcycle/cat?": all seen, so the answer checks make these right
    # whatever the tiny model says (it said "No" to 2 of 3 without them).
    assert summary["object_presence"]["n"] == 3 and summary["object_presence"]["right"] == 3, report.table()
