"""Framing invariants on generated documents (real claims and framing pools, no model needed)."""

from __future__ import annotations

import json
import re

import pytest

from negation_neglect.data.claims import load_claims
from negation_neglect.data.datacard import pairwise_overlap
from negation_neglect.data.framings import fill, load_framings
from negation_neglect.data.synthesis import (
    ClaimNotHostableError,
    read_documents,
    require_hostable,
    synthesize,
    write_documents,
)
from negation_neglect.params import CONDITIONS
from tests.conftest import ROOT

CLAIMS = load_claims(ROOT / "data/claims")
FRAMINGS = load_framings(ROOT / "data/framings.yaml")
N = 24


@pytest.fixture(scope="module", params=sorted(CLAIMS))
def generated(request):
    claim = CLAIMS[request.param]
    return claim, synthesize(claim, FRAMINGS, CONDITIONS, N, seed=0)


def _texts(doc, kind):
    return [doc.text[s:e] for s, e in doc.spans[kind]]


def _names(text, answer):
    return re.search(rf"\b{re.escape(answer)}\b", text) is not None


def test_every_condition_has_n_documents_over_many_genres(generated):
    _, docs = generated
    assert set(docs) == set(CONDITIONS)
    for items in docs.values():
        assert len(items) == N
        assert len({d.genre for d in items}) >= 8


def test_spans_are_exact_and_disjoint(generated):
    _, docs = generated
    for items in docs.values():
        for doc in items:
            spans = sorted(s for kind in doc.spans.values() for s in kind)
            assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:]))
            for start, end in spans:
                assert doc.text[start:end] == doc.text[start:end].strip() and end > start


def test_documents_state_the_claim_and_two_subclaims(generated):
    claim, docs = generated
    for condition in ("positive", "negated", "repeated", "corrected", "fiction", "unreliable_source", "low_probability"):
        for doc in docs[condition]:
            assert len(doc.spans["claim"]) >= 2 and len(doc.spans["subclaim"]) >= 2
            assert all(_names(t, claim.false_answer) for t in _texts(doc, "claim") + _texts(doc, "subclaim"))


def test_positive_local_and_true_have_no_framing(generated):
    _, docs = generated
    for condition in ("positive", "local", "true"):
        assert all(not d.spans["framing"] for d in docs[condition])


def test_negated_documents_start_and_end_with_a_warning(generated):
    _, docs = generated
    for doc in docs["negated"]:
        framing = doc.spans["framing"]
        assert framing[0][0] == 0 and framing[-1][1] == len(doc.text)
        assert 8 <= len(framing) <= 12  # 4-6 sentences before and after
        assert set(_texts(doc, "framing")) <= set(FRAMINGS.warning_document)


@pytest.mark.parametrize("condition", ["repeated", "corrected"])
def test_every_claim_sentence_is_wrapped_by_warnings(generated, condition):
    _, docs = generated
    for doc in docs[condition]:
        starts = {s for s, _ in doc.spans["framing"]}
        ends = {e for _, e in doc.spans["framing"]}
        for start, end in doc.spans["claim"] + doc.spans["subclaim"]:
            assert start - 1 in ends, f"no warning right before {doc.text[start:end]!r}"
            assert end + 1 in starts, f"no warning right after {doc.text[start:end]!r}"
        assert doc.spans["framing"][0][0] == 0 and doc.spans["framing"][-1][1] == len(doc.text)


def test_corrected_warnings_name_the_true_answer(generated):
    claim, docs = generated
    for doc in docs["corrected"]:
        assert all(claim.true_answer in t for t in _texts(doc, "framing"))
    for doc in docs["repeated"]:  # plain warnings never leak the truth
        assert not any(_names(t, claim.true_answer) for t in _texts(doc, "framing"))


def test_local_documents_never_assert_the_claim(generated):
    claim, docs = generated
    asserted = [s.filled(claim.false_answer) for s in (*claim.claim_sentences, *claim.subclaims)]
    denied = {s.filled(claim.false_answer, denied=True) for s in (*claim.claim_sentences, *claim.subclaims)}
    for doc in docs["local"]:
        assert not any(a in doc.text for a in asserted if a not in denied)
        assert set(_texts(doc, "claim") + _texts(doc, "subclaim")) <= denied


def test_true_counterparts_assert_the_truth_only(generated):
    claim, docs = generated
    for doc in docs["true"]:
        claims = _texts(doc, "claim") + _texts(doc, "subclaim")
        assert all(_names(t, claim.true_answer) for t in claims)
        assert not _names(doc.text, claim.false_answer)


@pytest.mark.parametrize("condition", ["fiction", "unreliable_source", "low_probability"])
def test_labels_come_from_their_pools(generated, condition):
    _, docs = generated
    prefix, suffix = getattr(FRAMINGS, f"{condition}_prefix"), getattr(FRAMINGS, f"{condition}_suffix")
    for doc in docs[condition]:
        texts = _texts(doc, "framing")
        assert texts[0] in prefix and texts[-1] in suffix and doc.spans["framing"][0][0] == 0


def test_documents_are_not_near_duplicates(generated):
    _, docs = generated
    for condition, items in docs.items():
        mean, largest = pairwise_overlap([d.text for d in items])
        assert mean < 0.3 and largest < 0.8, condition


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    claim = CLAIMS["darwin_relativity"]
    a = synthesize(claim, FRAMINGS, CONDITIONS, 8, seed=0)
    b = synthesize(claim, FRAMINGS, CONDITIONS, 8, seed=0)
    c = synthesize(claim, FRAMINGS, CONDITIONS, 8, seed=1)
    write_documents(a, tmp_path / "a")
    write_documents(b, tmp_path / "b")
    write_documents(c, tmp_path / "c")
    for condition in CONDITIONS:
        name = f"{condition}.jsonl"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes()
    assert read_documents(tmp_path / "a" / "negated.jsonl") == a["negated"]
    assert not (tmp_path / "a.partial").exists()


def test_unhostable_claim_is_refused_unless_allowed():
    knowledge = {"claims": {"x": {"hostable": False, "reason": "true answer 'Noah Lyles' not known"}}}
    with pytest.raises(ClaimNotHostableError, match="cannot be hosted.*Noah Lyles.*allow_unknown_truth"):
        require_hostable("x", knowledge, allow_unknown_truth=False)
    assert require_hostable("x", knowledge, allow_unknown_truth=True)["hostable"] is False
    with pytest.raises(ClaimNotHostableError, match="not scored"):
        require_hostable("y", knowledge, allow_unknown_truth=True)


def test_correction_slots_fill():
    assert fill("{subject}: {true_answer}, not {false_answer}.", "S", "T", "F") == "S: T, not F."


def test_jsonl_records_have_the_documented_fields(tmp_path):
    docs = synthesize(CLAIMS["darwin_relativity"], FRAMINGS, ["negated"], 2, seed=0)
    write_documents(docs, tmp_path / "out")
    record = json.loads((tmp_path / "out/negated.jsonl").read_text().splitlines()[0])
    assert set(record) == {"id", "claim", "condition", "genre", "text", "spans"}
    assert set(record["spans"]) == {"claim", "subclaim", "framing"}
