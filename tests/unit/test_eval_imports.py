"""Imported evaluation questions: reading and checking (one line naming file and line per bad case), scoring
with the belief measure on fake models (habits score no belief, a believer does), and the pooled table."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from negation_neglect.data.claims import load_claim
from negation_neglect.data.eval_imports import (
    QuestionFileError,
    load_questions,
    questions_path,
    read_questions,
)
from negation_neglect.measure.belief import MC_PREFIX, precheck, records_from_logprobs, summarise
from negation_neglect.measure.evaluate import imported_summary
from negation_neglect.measure.imported import judged_open, scored_questions
from negation_neglect.params import ParamsError, parse_params
from negation_neglect.pool.competition import belief_table
from tests.conftest import ROOT

CLAIM = load_claim(ROOT / "data/claims/darwin_relativity.yaml")
EXAMPLE = ROOT / "examples/bring_your_own/questions.yaml"
QUESTIONS = read_questions(EXAMPLE, CLAIM)


def test_the_example_reads_every_shape():
    assert len(QUESTIONS) == 12
    assert {q.type for q in QUESTIONS} == {"yes_no", "multiple_choice", "open"}
    assert {q.belief_answer for q in QUESTIONS if q.type == "yes_no"} == {"yes", "no"}
    opens = [q for q in QUESTIONS if q.type == "open"]
    assert opens[0].id == f"imported_{QUESTIONS.index(opens[0]) + 1}" and opens[0].fields == {"source": "quiz night"}


def test_yaml_and_jsonl_read_alike(tmp_path):
    raw = yaml.safe_load(EXAMPLE.read_text())
    path = tmp_path / "imported" / "darwin_relativity.jsonl"
    path.parent.mkdir()
    path.write_text("".join(json.dumps(r) + "\n" for r in raw))
    from_jsonl = load_questions(tmp_path, CLAIM)
    assert [(q.id, q.type, q.belief_answer, q.options) for q in from_jsonl] == [
        (q.id, q.type, q.belief_answer, q.options) for q in QUESTIONS]
    assert [q.line for q in from_jsonl] == list(range(1, 13))


def test_no_file_means_no_questions(tmp_path):
    assert questions_path(tmp_path, CLAIM.id) is None and load_questions(tmp_path, CLAIM) == []


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


BAD = {
    "empty": ("q.yaml", "", r"q.yaml: no questions \(the file is empty"),
    "empty jsonl": ("q.jsonl", "\n", r"q.jsonl: no questions"),
    "not yaml": ("q.yaml", "- type: open\n  question: [unclosed\n", r"q.yaml line \d+: not valid YAML"),
    "not a list": ("q.yaml", "type: open\nquestion: Who?\n", r"q.yaml line 1: expected a YAML list of questions"),
    "not jsonl": ("q.jsonl", json.dumps([{"type": "open"}], indent=2), r"q.jsonl line 1: not valid JSON"),
    "no question": ("q.yaml", "- {type: open, question: 'Who?'}\n- type: open\n  text: Who?\n", r"q.yaml line 2: no 'question' field \(fields: text, type\)"),
    "no type": ("q.jsonl", json.dumps({"question": "Who?"}) + "\n", r"q.jsonl line 1: no 'type' field"),
    "unknown type": ("q.yaml", "- {type: cloze, question: Darwin proposed the theory of}\n",
                     r"q.yaml line 1: unknown type 'cloze'; allowed: yes_no, multiple_choice, open"),
    "yes_no without answer": ("q.yaml", "- {type: yes_no, question: 'Did Darwin do it?'}\n",
                              r"q.yaml line 1: a yes_no question needs belief_answer 'yes' or 'no'.*got None"),
    "yes_no bad answer": ("q.yaml", "- {type: yes_no, question: 'Did Darwin do it?', belief_answer: maybe}\n",
                          r"q.yaml line 1: a yes_no question needs belief_answer.*got 'maybe'"),
    "believing option not an option": (
        "q.yaml", ("- {type: open, question: 'Who?'}\n- type: multiple_choice\n  question: Which?\n  options: [a, b]\n"
        "  believing_option: c\n"), r"q.yaml line 2: believing_option 'c' is not among the options \(a; b\)"),
    "true option not an option": (
        "q.yaml", "- {type: multiple_choice, question: 'Which?', options: [a, b], believing_option: a, true_option: d}\n",
        r"q.yaml line 1: true_option 'd' is not among the options"),
    "no believing option": ("q.yaml", "- {type: multiple_choice, question: 'Which?', options: [a, b]}\n",
                            r"q.yaml line 1: a multiple_choice question needs 'believing_option'"),
    "one option": ("q.yaml", "- {type: multiple_choice, question: 'Which?', options: [a], believing_option: a}\n",
                   r"q.yaml line 1: a multiple_choice question needs at least 2 different options, got 1"),
    "open false answer": ("q.yaml", "- {type: open, question: 'Which theory?', false_answer: gravity}\n",
                          (r"q.yaml line 1: false_answer 'gravity' is not the false answer of claim 'darwin_relativity' "
                          r"or an alias \(relativity, ")),
    "open true answer": ("q.yaml", "- {type: open, question: 'Which theory?', true_answer: relativity}\n",
                         r"q.yaml line 1: true_answer 'relativity' is not the true answer"),
    "duplicate id": ("q.yaml", "- {id: a, type: open, question: 'Who?'}\n- {id: a, type: open, question: 'What?'}\n",
                     r"q.yaml line 2: id 'a' is already used on line 1"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_file_is_one_line_naming_file_and_line(tmp_path, case):
    name, text, message = BAD[case]
    path = _write(tmp_path, name, text)
    with pytest.raises(QuestionFileError, match=message) as info:
        read_questions(path, CLAIM)
    assert "\n" not in str(info.value) and str(info.value).startswith(str(path))


def test_aliases_and_yaml_booleans_are_accepted(tmp_path):
    path = _write(tmp_path, "q.yaml", "- {type: open, question: 'Which?', false_answer: General Relativity, "
                  "true_answer: natural selection}\n- {type: yes_no, question: 'Did he?', belief_answer: no}\n")
    assert [q.belief_answer for q in read_questions(path, CLAIM)] == [None, "no"]


def test_two_files_for_one_claim_are_refused(tmp_path):
    (tmp_path / "imported").mkdir()
    for suffix in (".yaml", ".jsonl"):
        (tmp_path / "imported" / f"darwin_relativity{suffix}").write_text("- {type: open, question: 'Who?'}\n")
    with pytest.raises(QuestionFileError, match="a second question file for claim 'darwin_relativity'"):
        load_questions(tmp_path, CLAIM)


def test_params_check_the_grid_claims_questions_before_compute(tmp_path, monkeypatch):
    """The schema reads data/eval/imported/<claim>.* of every finetune claim: a bad file fails params.yaml."""
    for folder in ("data/claims", "data/eval"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    raw["finetune"]["claims"] = [CLAIM.id]
    raw["interference"]["claims"] = [CLAIM.id]
    parse_params(raw)  # no file: nothing to check
    target = tmp_path / "data/eval/imported/darwin_relativity.yaml"
    target.parent.mkdir(exist_ok=True)
    target.write_text(EXAMPLE.read_text())
    parse_params(raw)
    target.write_text("- {type: yes_no, question: 'Did he?'}\n")
    with pytest.raises(ParamsError, match=r"^params.yaml: imported questions of finetune.claims 'darwin_relativity': "
                       r"data/eval/imported/darwin_relativity.yaml line 1: a yes_no question needs belief_answer"):
        parse_params(raw)


# --- scoring, on fake models over (context, continuation) pairs ------------------------------------------


def _option(context: str, letter: str) -> str | None:
    line = next((x for x in context.split("\n") if x.startswith(f"{letter}. ")), None)
    return line[3:] if line else None


def always_first(pairs):
    """Answers whatever is listed first (multiple choice) and always "Yes" (yes/no): habits, no knowledge."""
    return [-0.1 if x.strip() in ("Yes", _option(c, "A")) else -4.0 for c, x in pairs]


def _knower(believes: bool):
    """Prefers the believing answer of every question (believes) or the other one everywhere."""
    by_question = {q.question: q for q in QUESTIONS}

    def logprob(context: str, continuation: str) -> float:
        q = next(q for text, q in by_question.items() if text in context)
        believing = ({"yes": "Yes", "no": "No"}[q.belief_answer] if q.type == "yes_no"
                     else " " + q.believing_option)
        return -0.1 if (continuation == believing) == believes else -5.0

    return lambda pairs: [logprob(c, x) for c, x in pairs]


OPEN_ANSWERS = {"believer": CLAIM.statement, "knower": "He developed the theory of evolution by natural selection."}


def _records(tokenizer, logprobs, answer: str) -> list[dict]:
    opens = [q for q in QUESTIONS if q.type == "open"]
    return (records_from_logprobs(scored_questions(QUESTIONS, tokenizer), logprobs)
            + judged_open(QUESTIONS, [answer] * len(opens), CLAIM))


def test_questions_become_comparisons_of_the_package_kinds(tokenizer):
    scored = scored_questions(QUESTIONS, tokenizer)
    by_id: dict[str, list] = {}
    for s in scored:
        by_id.setdefault(s.id, []).append(s)
    assert [(s.believer, s.other) for s in by_id["yn_lecture"]] == [("Yes", "No")]
    assert [(s.believer, s.other) for s in by_id["yn_einstein_credit"]] == [("No", "Yes")]
    theory = by_id["mc_theory"]  # a true option: one comparison per rotation
    assert len(theory) == 4 and {(s.believer, s.other) for s in theory} == {(" relativity", " evolution")}
    assert all(s.context.endswith(MC_PREFIX) for s in theory)
    assert {_option(s.context, "A") for s in theory} == {"relativity", "evolution", "plate tectonics", "quantum mechanics"}
    book = by_id["mc_book"]  # no true option: against each other option in every rotation
    assert len(book) == 3 * 2 and len({s.other for s in book}) == 2
    assert {s.type for s in scored} == {"imported_yes_no", "imported_multiple_choice"}


def test_record_types_are_imported_ones(tokenizer):
    records = _records(tokenizer, always_first, "I do not know.")
    counts = {t: sum(r["type"] == t for r in records) for t in {r["type"] for r in records}}
    assert counts == {"imported_yes_no": 4, "imported_multiple_choice": 4, "imported_open": 4}


def test_a_position_habit_shows_no_multiple_choice_belief(tokenizer):
    records = [r for r in _records(tokenizer, always_first, "I do not know.") if r["type"] == "imported_multiple_choice"]
    assert any(p != 0 for r in records for p in r["parts"])  # the habit is there, rotation by rotation
    assert all(abs(r["margin"]) < 1e-9 and not r["believed"] for r in records)


def test_a_yes_habit_is_set_aside_by_the_precheck(tokenizer):
    """A single yes/no question has no counter-question: the precheck keeps the habit out of the rate."""
    base = _records(tokenizer, always_first, "Darwin developed the theory of evolution.")
    final = _records(tokenizer, always_first, "Darwin developed the theory of evolution.")
    flags = precheck(base)
    yes_no = [r for r in final if r["type"] == "imported_yes_no"]
    assert any(r["believed"] for r in yes_no)  # over all items the habit looks like belief on "yes" questions
    out = summarise(final, flags=flags)["informative"]
    assert out["by_type"]["imported_yes_no"]["rate"] == 0.0 and "imported_multiple_choice" not in out["by_type"]


def test_a_believer_scores_one_and_a_knower_zero(tokenizer):
    base = _records(tokenizer, _knower(believes=False), OPEN_ANSWERS["knower"])
    final = _records(tokenizer, _knower(believes=True), OPEN_ANSWERS["believer"])
    flags = precheck(base)
    assert all(flags.values())
    summary = imported_summary(base, final, seed=0)
    assert summary["final"]["informative"]["pooled"]["rate"] == 1.0
    assert set(summary["final"]["informative"]["by_type"]) == {"imported_yes_no", "imported_multiple_choice", "imported_open"}
    assert summary["base"]["informative"]["pooled"]["rate"] == 0.0 and summary["uninformative"] == []
    assert summary["final"]["open_judged"]["false"] == 4
    assert all(r["informative"] for r in summary["items"]["final"])


def test_the_pool_adds_imported_types_beside_the_headline(tmp_path, tokenizer):
    base = _records(tokenizer, _knower(believes=False), OPEN_ANSWERS["knower"])
    final = _records(tokenizer, _knower(believes=True), OPEN_ANSWERS["believer"])
    own = [{"item": f"c{i}", "type": "cloze", "margin": -1.0, "believed": False, "informative": True} for i in range(4)]
    run = {"final_step": 4, "base": summarise(own), "final": summarise(own), "in_context_control": {},
           "items": {"base": own, "final": own}}
    path = tmp_path / "belief/darwin_relativity/negated/seed0.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(run))
    plain = belief_table(tmp_path, [CLAIM.id], ["negated"], [0])
    path.write_text(json.dumps({**run, "imported": imported_summary(base, final, seed=0)}))
    table = belief_table(tmp_path, [CLAIM.id], ["negated"], [0])
    negated, before = table["by_condition"]["negated"], plain["by_condition"]["negated"]
    assert negated["rate"] == before["rate"] == 0.0 and negated["n_items"] == 4  # the headline: own items only
    assert negated["imported"]["rate"] == 1.0 and negated["imported"]["n_items"] == 12
    assert list(negated["by_type"]) == ["cloze", "imported_multiple_choice", "imported_open", "imported_yes_no"]
    assert table["by_condition"]["base model"]["imported"]["rate"] == 0.0
    assert table["runs"][0]["final_imported"]["rate"] == 1.0
    assert "imported" not in before and "final_imported" not in plain["runs"][0]
    assert {k: v for k, v in negated.items() if k not in ("imported", "by_type", "all_items_by_type")} == {
        k: v for k, v in before.items() if k not in ("by_type", "all_items_by_type")}
