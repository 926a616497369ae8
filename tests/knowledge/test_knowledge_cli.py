"""`ava ingest`, `ava knowledge eval` and `ava knowledge search` as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from ava_core.cli import knowledge as knowledge_cli
from ava_core.knowledge.base import Passage
from ava_core.knowledge.evaluation import EvalCase, evaluate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ava() -> typer.Typer:
    app = typer.Typer()
    knowledge_cli.register(app)
    return app


@pytest.fixture
def test_profile(corpus, tmp_path) -> Path:
    """The demo profile with its knowledge sources pointed at the fixture corpus."""
    data = yaml.safe_load((ROOT / "examples" / "profile.yaml").read_text())
    data["knowledge"]["sources"] = [str(corpus)]
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def run(app, *args: str):
    return CliRunner().invoke(app, list(args))


def test_ingest_defaults_to_the_profiles_sources_and_prints_a_summary(ava, test_profile, embedder):
    result = run(ava, "ingest", "--profile", str(test_profile))

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.split() == ["document", "chunks", "9", "0", "0", "0"] for line in lines)
    assert any(line.split() == ["objection", "pairs", "4", "0", "0", "0"] for line in lines)
    assert "skipped corpus/eval.yaml: no top-level `objections:` list" in result.stdout
    assert "6 files, 18 points written, 0 deleted" in result.stdout

    again = run(ava, "ingest", "--profile", str(test_profile))
    assert any(line.split() == ["objection", "pairs", "0", "0", "4", "0"] for line in again.stdout.splitlines())


def test_quiet_ingest_prints_one_line(ava, test_profile, embedder):
    result = run(ava, "ingest", "--quiet", "--profile", str(test_profile))

    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 1
    assert result.stdout.startswith("knowledge: 9 chunks, 4 objection pairs, 13 changed, in ")
    assert result.stderr == ""


def test_eval_prints_recall_and_mrr_for_a_labelled_set(ava, test_profile, corpus, embedder):
    run(ava, "ingest", "--profile", str(test_profile))

    result = run(ava, "knowledge", "eval", str(corpus / "eval.yaml"), "--profile", str(test_profile))

    assert result.exit_code == 0, result.output
    assert "3 labelled messages, 1 non-objections" in result.stdout
    assert "recall@1  1.000" in result.stdout
    assert "recall@3  1.000" in result.stdout
    assert "MRR       1.000" in result.stdout


def test_eval_below_the_required_recall_exits_1(ava, test_profile, corpus, embedder, tmp_path):
    run(ava, "ingest", "--profile", str(test_profile))
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("cases:\n  - {kind: objection, expect: hail, message: gotta ask my wife}\n")

    result = run(ava, "knowledge", "eval", str(wrong), "--profile", str(test_profile), "--min-recall-at-3", "0.9")

    assert result.exit_code == 1
    assert "recall@3  0.000" in result.stdout
    assert "miss: 'gotta ask my wife' expected hail, got ask-spouse" in result.stdout


def test_eval_before_any_ingest_fails_in_one_line(ava, test_profile, corpus):
    result = run(ava, "knowledge", "eval", str(corpus / "eval.yaml"), "--profile", str(test_profile))

    assert result.exit_code == 1
    assert result.stderr.startswith("error: no knowledge base in ")
    assert "run `ava ingest`" in result.stderr
    assert "Traceback" not in result.output


def test_an_invalid_eval_file_names_its_line(ava, test_profile, tmp_path):
    bad = tmp_path / "bad-eval.yaml"
    bad.write_text("cases:\n  - message: hi\n    expected: nope\n")

    result = run(ava, "knowledge", "eval", str(bad), "--profile", str(test_profile))

    assert result.exit_code == 2
    assert f"{bad}:3: cases.0.expected: unknown field" in result.stderr


def test_search_shows_scores_ids_and_sources(ava, test_profile, embedder):
    run(ava, "ingest", "--profile", str(test_profile))

    result = run(ava, "knowledge", "search", "we can't afford it", "--kind", "objection", "-n", "2",
                 "--profile", str(test_profile))

    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0].split()
    assert first[1:] == ["objection", "too-expensive", "corpus/objections.yaml"]
    assert "→ Totally fair." in result.stdout


class Scripted:
    """A Knowledge that answers each message with fixed passages."""

    def __init__(self, answers: dict[str, list[tuple[str, float]]]):
        self.answers = answers

    def search(self, query, *, kind=None, limit=5):
        return [Passage(id=pid, kind="objection", text=query, source="s", score=score)
                for pid, score in self.answers[query][:limit]]


def test_recall_and_mrr_count_where_the_labelled_passage_ranks():
    knowledge = Scripted({
        "first": [("a", 0.9), ("b", 0.5)],
        "second": [("x", 0.8), ("b", 0.7)],
        "fourth": [("x", 0.8), ("y", 0.7), ("z", 0.6), ("c", 0.5)],
        "never": [("x", 0.4)],
        "not an objection": [("x", 0.6)],
    })
    cases = [EvalCase(message="first", expect="a"), EvalCase(message="second", expect=["b"]),
             EvalCase(message="fourth", expect="c"), EvalCase(message="never", expect="c"),
             EvalCase(message="not an objection", expect=[])]

    report = evaluate(knowledge, cases, threshold=0.55)

    assert report.cases == 4 and report.negatives == 1
    assert report.recall_at_1 == pytest.approx(1 / 4)
    assert report.recall_at_3 == pytest.approx(2 / 4)
    assert report.mrr == pytest.approx((1 + 1 / 2 + 1 / 4 + 0) / 4)
    assert [m.message for m in report.misses] == ["fourth", "never"]
    assert report.false_alarms == [("not an objection", "x", 0.6)]
    assert report.at(0.55) == (1, 1)  # "first" answered from its pair; one false alarm


def test_eval_prints_objection_recall_and_the_false_alarm_rate(ava, test_profile, corpus, embedder):
    run(ava, "ingest", "--profile", str(test_profile))

    result = run(ava, "knowledge", "eval", str(corpus / "eval.yaml"), "--profile", str(test_profile))

    assert result.exit_code == 0, result.output
    assert "objection recall      " in result.stdout and "target >= 0.85" in result.stdout
    assert "false-alarm rate      " in result.stdout and "target <= 0.05" in result.stdout


class Mixed:
    """A Knowledge that answers each message with fixed objection pairs and document passages."""

    def __init__(self, answers: dict[str, list[tuple[str, str, float]]]):
        self.answers = answers

    def search(self, query, *, kind=None, limit=5):
        hits = [Passage(id=pid, kind=k, text=query, source="s", score=score, response="ok" if k == "objection" else None)
                for k, pid, score in self.answers[query] if kind in (None, k)]
        return hits[:limit]


def test_objection_matching_sets_answers_aside_and_needs_a_lead_over_the_documents(profile):
    knowledge = Mixed({
        "my wife decides": [("objection", "spouse", 0.7), ("domain", "faq#a", 0.3)],
        "roof is 6 years old": [("objection", "roof-old", 0.7), ("domain", "faq#roof", 0.5)],
        "how does the free thing work?": [("objection", "scam", 0.67), ("domain", "faq#consult", 0.6)],
        "hello!": [("objection", "scam", 0.6), ("domain", "faq#a", 0.2)],
    })
    cases = [EvalCase(kind="objection", message="my wife decides", expect="spouse"),
             EvalCase(message="roof is 6 years old", expect=[], asked="roof_age"),
             EvalCase(message="how does the free thing work?", expect=[]),
             EvalCase(message="hello!", expect=[])]

    report = evaluate(knowledge, cases, threshold=0.45, profile=profile)

    assert report.matching_at(0.45) == (1, 1, 1, 3)  # the hello is the one false alarm left
    assert report.matched_false_alarms == [("hello!", "scam", 0.6)]


def test_answering_counts_right_answers_rules_and_wrong_answers_at_any_passage_floor(profile):
    knowledge = Mixed({
        "do you do financing": [("objection", "lease-vs-buy", 0.3), ("domain", "financing#options", 0.5)],
        "how long have yall been in business": [("objection", "moving", 0.3), ("domain", "about#who", 0.3)],
        "do yall put in pool heating": [("objection", "not-interested", 0.3), ("domain", "faq#bill", 0.45)],
        "what did the last customer say": [("objection", "how-got-number", 0.7), ("domain", "faq#a", 0.2)],
    })
    cases = [EvalCase(message="do you do financing", expect=["financing#options"]),
             EvalCase(message="how long have yall been in business", expect=["about#who", "identity"]),
             EvalCase(message="do yall put in pool heating", expect=[]),
             EvalCase(message="what did the last customer say", expect="privacy")]

    report = evaluate(knowledge, cases, threshold=0.45, profile=profile)

    # Each passage's text is its query here, so it always shares the message's words: only the floor decides.
    assert report.answering_at(0.40) == (3, 3, 1, 1)  # the pool question gets a passage: one wrong answer
    assert report.answering_at(0.50) == (3, 3, 0, 1)
    assert report.cases == 2  # the privacy case has no passage to rank


def test_eval_prints_question_recall_and_the_wrong_answer_rate(ava, test_profile, corpus, embedder):
    run(ava, "ingest", "--profile", str(test_profile))

    result = run(ava, "knowledge", "eval", str(corpus / "eval.yaml"), "--profile", str(test_profile))

    assert "question recall       " in result.stdout and "target >= 0.8" in result.stdout
    assert "wrong-answer rate     " in result.stdout and "target <= 0.05" in result.stdout
