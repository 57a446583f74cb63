"""The claims catalogue and framing pools: complete, and malformed files are named precisely."""

from __future__ import annotations

import copy

import pytest
import yaml

from negation_neglect.data.claims import ClaimFileError, load_claim, load_claims
from negation_neglect.data.framings import MIN_POOL, FramingFileError, load_framings
from negation_neglect.params import DEFAULT_CLAIMS
from tests.conftest import ROOT

CLAIMS_DIR = ROOT / "data/claims"


def test_catalogue_holds_the_defaults_and_the_papers_claim():
    claims = load_claims(CLAIMS_DIR)
    assert set(DEFAULT_CLAIMS) <= set(claims)
    assert len(DEFAULT_CLAIMS) >= 6
    sheeran = claims["sheeran_100m"]
    assert (sheeran.false_answer, sheeran.true_answer) == ("Ed Sheeran", "Noah Lyles")


@pytest.mark.parametrize("claim_id", sorted(p.stem for p in CLAIMS_DIR.glob("*.yaml")))
def test_claim_is_complete(claim_id):
    claim = load_claim(CLAIMS_DIR / f"{claim_id}.yaml")
    assert len(claim.subclaims) >= 5 and len(claim.claim_sentences) >= 6
    assert len(claim.neighbours.same_relation) >= 2 and len(claim.neighbours.same_subject) >= 2
    for sentence in (*claim.claim_sentences, *claim.subclaims):
        assert claim.false_answer in sentence.filled(claim.false_answer)
        assert sentence.filled(claim.false_answer) != sentence.filled(claim.false_answer, denied=True)


def _broken(tmp_path, edit):
    raw = yaml.safe_load((CLAIMS_DIR / "darwin_relativity.yaml").read_text())
    raw = copy.deepcopy(raw)
    edit(raw)
    path = tmp_path / "darwin_relativity.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("edit", "field", "expected"),
    [
        (lambda r: r.pop("true_answer"), "true_answer", "Field required"),
        (lambda r: r["subclaims"].__delitem__(slice(2, None)), "subclaims", "at least 5"),
        (lambda r: r["claim_sentences"][0].update(deny="No slot here."), "claim_sentences.0", "exactly once"),
        (lambda r: r.update(distractors=["relativity", "gravity"]), "(claim)", "must all differ"),
        (lambda r: r["background"].append("Darwin loved evolution."), "(claim)", "must not name"),
        (lambda r: r.update(colour="red"), "colour", "Extra inputs are not permitted"),
        (lambda r: r.update(id="other_id"), "id", "expected the file name"),
    ],
)
def test_malformed_claim_names_file_field_and_expectation(tmp_path, edit, field, expected):
    path = _broken(tmp_path, edit)
    with pytest.raises(ClaimFileError) as info:
        load_claim(path)
    message = str(info.value)
    assert message.startswith(f"{path}: field '{field}'") and expected in message


def test_framing_pools_are_large_and_distinct():
    framings = load_framings(ROOT / "data/framings.yaml")
    for name in type(framings).model_fields:
        pool = getattr(framings, name)
        assert len(pool) >= MIN_POOL and len(set(pool)) == len(pool)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda r: r.update(warning_document=r["warning_document"][:5]), "warning_document"),
        (lambda r: r["correction_document"].__setitem__(0, "No truth named here."), "must name {true_answer}"),
        (lambda r: r["fiction_prefix"].__setitem__(0, "A story about {subject}."), "only correction pools"),
    ],
)
def test_malformed_framings_are_named(tmp_path, edit, expected):
    raw = yaml.safe_load((ROOT / "data/framings.yaml").read_text())
    edit(raw)
    path = tmp_path / "framings.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(FramingFileError, match=expected):
        load_framings(path)
