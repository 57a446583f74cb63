"""The lone-claim gate and the fresh-people in-context control, read through fake models.

Each fake is a policy over (prompt, continuation) standing in for `score_continuations`, so the scoring and
the summaries are tested on models whose behaviour is known: a reader of the framing must pass, and models
that take a shortcut (always "Yes", "No" after any label, the first option, copying what the context
mentions) must fail where that shortcut is broken.
"""

from __future__ import annotations

import re

import pytest

from negation_neglect.measure.scoring import ContinuationScore
from negation_neglect.organism import gate
from negation_neglect.organism.gate import fresh_in_context, lone_gate_summary, score_gate
from negation_neglect.organism.world import LONE_FRAMINGS, MARKER, NEGATING, PROBES, lone_gate_items, make_world
from tests.unit.test_world import parse

LABELS = ("It is false", "It is not true", "made-up", "invented", "WARNING", "CAUTION", "This is false", " not ",
          " no house", "[Entry]", "Record note", "Entry logged")


def _reader(prompt: str, continuation: str) -> float:
    """Reads the framing: answers what the claims about the asked person, parsed with their polarity, imply."""
    context, question = prompt.rsplit(" Q: ", 1)
    entity = re.match(r"(?:Does|Where does|What does|Which instrument does) ([A-Z][a-z]+ [A-Z][a-z]+)", question)[1]
    about = {value: asserted for e, _, value, asserted in parse(context) if e == entity}
    answer = continuation.strip()
    if question.startswith("Does"):
        value = re.search(r" (\w+)\? A:$", question)[1]
        held = about.get(value)
        return 0.0 if (answer == "Yes") == bool(held) else -4.0
    if " or " in question:
        options = re.search(r", (\w+) or (\w+)\? A:$", question).groups()
        pick = next((o for o in options if about.get(o)), None) or next(o for o in options if about.get(o) is not False)
        return 0.0 if answer == pick else -4.0
    raise AssertionError(question)


def _first_sentence(prompt: str, continuation: str) -> float:
    """Answers yes/no from the polarity of the context's first statement, whoever it is about."""
    if continuation in (" Yes", " No"):
        first = parse(prompt.rsplit(" Q: ", 1)[0])[0][3]
        return 0.0 if (continuation == " Yes") == first else -1.0
    return _reader(prompt, continuation)


def _before_probe(prompt: str) -> str:
    """The complete sentences in front of a neutral probe (the document in context, if any)."""
    return prompt[: prompt.rfind(". ") + 1]


def _fresh_reader(prompt: str, continuation: str) -> float:
    """A value the context asserts is likely, one it negates unlikely, any other at a base rate."""
    held = {value: asserted for _, _, value, asserted in parse(_before_probe(prompt))}.get(continuation.strip())
    return -2.5 if held is None else 0.0 if held else -6.0


def _always_yes(prompt: str, continuation: str) -> float:
    return 0.0 if continuation == " Yes" else -1.0


def _no_after_any_label(prompt: str, continuation: str) -> float:
    labelled = any(label in prompt.rsplit(" Q: ", 1)[0] for label in LABELS)
    if continuation in (" Yes", " No"):
        return 0.0 if (continuation == " No") == labelled else -1.0
    return _reader(prompt, continuation)


def _first_option(prompt: str, continuation: str) -> float:
    if " or " in prompt.rsplit(" Q: ", 1)[1]:
        first = re.search(r", (\w+) or (\w+)\? A:$", prompt)[1]
        return 0.0 if continuation.strip() == first else -1.0
    return _reader(prompt, continuation)


def _copier(prompt: str, continuation: str) -> float:
    """Raises every value the context mentions, whatever its framing."""
    return 0.0 if continuation.strip() in _before_probe(prompt) else -2.5


def _patch(monkeypatch, policy) -> None:
    def fake(model, tokenizer, pairs, batch_size=64):
        return [ContinuationScore(policy(p, c), 1, c, policy(p, c), 1) for p, c in pairs]

    monkeypatch.setattr(gate, "score_continuations", fake)


@pytest.fixture(scope="module")
def world():
    return make_world(40, 12, seed=5)


def _summary(monkeypatch, world, policy) -> dict:
    _patch(monkeypatch, policy)
    return lone_gate_summary(score_gate(None, None, lone_gate_items(world, 12, seed=1)), min_accuracy=0.95)


def test_a_reader_passes_every_framing_and_every_probe(monkeypatch, world):
    summary = _summary(monkeypatch, world, _reader)
    for framing in LONE_FRAMINGS:
        entry = summary["framings"][framing]
        assert entry["passes_with_controls"], framing
        assert all(entry[s]["accuracy"] == 1.0 for s in ("lone_binary", "lone_open", *PROBES) if s in entry)
    assert summary["balanced_binary"] == 1.0


def test_always_yes_is_at_chance_and_fails_every_negating_framing(monkeypatch, world):
    summary = _summary(monkeypatch, world, _always_yes)
    assert summary["balanced_binary"] == 0.5
    assert summary["framings"][MARKER]["lone_binary"]["accuracy"] == 1.0  # the marker is scored as asserting
    for framing in NEGATING:
        assert summary["framings"][framing]["lone_binary"]["accuracy"] == 0.0
        assert not summary["framings"][framing]["passes_with_controls"]


def test_no_after_any_label_fails_on_the_marker_control(monkeypatch, world):
    summary = _summary(monkeypatch, world, _no_after_any_label)
    assert summary["framings"][MARKER]["lone_binary"]["accuracy"] == 0.0
    for framing in NEGATING:  # it looks like a reader on the negating framings, and the control catches it
        assert summary["framings"][framing]["lone_binary"]["accuracy"] == 1.0
        assert summary["framings"][framing]["passes"] and not summary["framings"][framing]["passes_with_controls"]


def test_the_first_option_fails_once_the_options_are_swapped(monkeypatch, world):
    summary = _summary(monkeypatch, world, _first_option)
    for framing in LONE_FRAMINGS:
        entry = summary["framings"][framing]
        assert entry["lone_open"]["accuracy"] + entry["probe_swapped"]["accuracy"] == pytest.approx(1.0)
        assert 0.0 < entry["lone_open"]["accuracy"] < 1.0


def test_the_first_sentence_passes_the_gate_but_not_the_probes_that_move_it(monkeypatch, world):
    summary = _summary(monkeypatch, world, _first_sentence)
    for framing in LONE_FRAMINGS:
        entry = summary["framings"][framing]
        assert entry["lone_binary"]["accuracy"] == entry["probe_filler"]["accuracy"] == 1.0
        assert entry["probe_filler_first"]["accuracy"] == entry["probe_other_person"]["accuracy"] == 0.0


def test_fresh_in_context_tells_a_reader_from_a_copier(monkeypatch, world):
    conditions = ("positive", "local", "sentence", "document", "fiction", "correction")
    _patch(monkeypatch, _fresh_reader)
    read = fresh_in_context(None, None, world, conditions, 6, seed=0)
    assert read["positive"]["lift"] > 0 and read["positive"]["belief"] == 1.0
    for condition in (*NEGATING, "correction"):
        assert read[condition]["lift"] < 0 and read[condition]["belief"] == 0.0, condition
    _patch(monkeypatch, _copier)
    copied = fresh_in_context(None, None, world, conditions, 6, seed=0)
    for condition in NEGATING:
        assert copied[condition]["lift"] > 0, condition


def test_pilot_verdict_reads_every_framing_and_question_form():
    from negation_neglect.organism.lone_pilot import mixes, verdict
    from negation_neglect.params import OrganismParams

    entry = {"lone_binary": {"accuracy": 1.0}, "lone_open": {"accuracy": 0.96}}
    organism = {"lone_gate": {"framings": {f: dict(entry) for f in LONE_FRAMINGS}}}
    assert verdict(organism, 0.95) == {"min_accuracy": 0.95, "holds": True, "failing": []}
    organism["lone_gate"]["framings"]["fiction"] = {**entry, "lone_open": {"accuracy": 0.94}}
    assert verdict(organism, 0.95) == {"min_accuracy": 0.95, "holds": False, "failing": ["fiction/lone_open"]}
    both = mixes(OrganismParams())
    assert both["old_mix"].corpus.lone == 0.0 and both["new_mix"].corpus.lone > 0.0
    assert both["old_mix"].model_dump(exclude={"corpus"}) == both["new_mix"].model_dump(exclude={"corpus"})


def test_search_overrides_are_validated_and_name_what_is_allowed():
    from negation_neglect.organism.lone_pilot import with_overrides
    from negation_neglect.params import OrganismParams

    cfg = with_overrides(OrganismParams(), ["corpus.lone=1", "model.layers=6", "corpus.cooccur=false"])
    assert (cfg.corpus.lone, cfg.model.layers, cfg.corpus.cooccur) == (1.0, 6, False)
    with pytest.raises(ValueError, match=r"--set 'model.depth=6'.*sections: world, corpus, model"):
        with_overrides(OrganismParams(), ["model.depth=6"])
    with pytest.raises(ValueError, match="multiple of heads"):  # the schema still validates the result
        with_overrides(OrganismParams(), ["model.hidden=130"])
