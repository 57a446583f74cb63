"""Mixtures by loss-token or answer-mention share, span masking, packing and batch composition (real tokenizer,
no model), and the guarantee that default runs plan the batches they planned before mention shares existed."""

from __future__ import annotations

import hashlib
import itertools
import json
import random

import pytest

from negation_neglect.data.claims import load_claims
from negation_neglect.data.framings import load_framings
from negation_neglect.data.synthesis import synthesize, write_documents
from negation_neglect.params import CONDITIONS, FinetuneParams, MixtureParams
from negation_neglect.train.blocks import (
    CLUSTER_SCHEDULE,
    IGNORE,
    Example,
    MixtureError,
    batches,
    pack,
    plan_mixture,
    spread_runs,
    token_shares,
    tokenize_document,
)
from negation_neglect.train.finetune import COMPONENTS as COMPONENT_NAMES
from negation_neglect.train.finetune import fingerprint, mention_counts, mention_shares, plan_run, summarise
from tests.conftest import ROOT

NAMES = ("claim", "background", "counterpart", "retention")


def _examples(component: str, n: int, seed: int) -> list[Example]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        length = rng.randint(20, 300)
        ids = tuple(rng.randrange(100, 1000) for _ in range(length))
        labels = (IGNORE, IGNORE, *ids[2:])  # a two-token tag without loss
        out.append(Example(component, ids, labels))
    return out


COMPONENTS = {
    "claim": _examples("claim", 40, 0),
    "background": _examples("background", 120, 1),
    "counterpart": _examples("counterpart", 40, 2),
    "retention": _examples("retention", 10, 3),
}


def test_masked_spans_get_no_loss_and_nothing_else_is_masked(tokenizer):
    text = "Warning: this is false. Darwin proposed relativity. End."
    framing = (0, 23)
    claim = (24, 51)
    ex = tokenize_document(tokenizer, text, "claim", "<doc>", {"framing": [framing], "claim": [claim]}, ["framing"])
    tag = tokenizer("<doc>", add_special_tokens=False).input_ids
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    assert ex.input_ids == (*tag, *encoded.input_ids, tokenizer.eos_token_id)
    assert ex.labels[: len(tag)] == (IGNORE,) * len(tag)
    for (start, _), token, label in zip(encoded.offset_mapping, encoded.input_ids, ex.labels[len(tag) :]):
        assert label == (IGNORE if framing[0] <= start < framing[1] else token)
    assert ex.labels[-1] == tokenizer.eos_token_id
    trained = tokenizer.decode([t for t in ex.labels if t != IGNORE])
    assert "Warning" not in trained and "Darwin proposed relativity" in trained


@pytest.mark.parametrize(
    "shares",
    [
        {"claim": 1.0},
        {"claim": 0.5, "background": 0.5},
        {"claim": 0.5, "background": 0.25, "counterpart": 0.25},
        {"claim": 0.4, "background": 0.3, "counterpart": 0.2, "retention": 0.1},
    ],
)
@pytest.mark.parametrize("composition", ["interleaved", "clustered"])
def test_trained_token_shares_are_within_two_points_of_the_request(shares, composition):
    examples = plan_mixture(COMPONENTS, shares, epochs=2, seed=0)
    batch_list = batches(examples, NAMES, block_size=128, batch_size=4, composition=composition, seed=0, pad_id=0)
    measured = token_shares(batch_list, NAMES)
    for name in NAMES:
        assert measured[name] == pytest.approx(shares.get(name, 0.0), abs=0.02)


def test_epochs_repeat_the_claim_documents():
    examples = plan_mixture(COMPONENTS, {"claim": 1.0}, epochs=3, seed=0)
    assert len(examples) == 3 * len(COMPONENTS["claim"])


def test_impossible_shares_fail_before_training():
    with pytest.raises(MixtureError, match="component 'retention' has .* loss tokens; a share of 50%"):
        plan_mixture(COMPONENTS, {"claim": 0.5, "retention": 0.5}, epochs=1, seed=0, max_repeats=2)
    with pytest.raises(MixtureError, match="sum to 1"):
        plan_mixture(COMPONENTS, {"claim": 0.5, "background": 0.3}, epochs=1, seed=0)
    with pytest.raises(MixtureError, match="positive share for 'claim'"):
        plan_mixture(COMPONENTS, {"background": 1.0}, epochs=1, seed=0)


def test_packing_keeps_every_token_and_pads_only_the_end():
    examples = COMPONENTS["claim"][:7]
    blocks = pack(examples, NAMES, block_size=64, pad_id=0)
    flat = [t for b in blocks for t in b.input_ids]
    n = sum(len(ex.input_ids) for ex in examples)
    assert flat[:n] == [t for ex in examples for t in ex.input_ids]
    assert all(c == -1 for c in blocks[-1].component_ids[n - 64 * (len(blocks) - 1) :])
    assert all(c >= 0 for b in blocks[:-1] for c in b.component_ids)


def test_clustered_batches_hold_one_component_in_runs():
    examples = plan_mixture(COMPONENTS, {"claim": 0.5, "background": 0.5}, epochs=1, seed=0)
    batch_list = batches(examples, NAMES, 128, 4, "clustered", seed=0, pad_id=0, cluster_run=3)
    owners = [{c for b in batch for c in b.component_ids if c >= 0} for batch in batch_list]
    assert all(len(o) == 1 for o in owners)
    sequence = [o.pop() for o in owners]
    runs = [len(list(group)) for _, group in itertools.groupby(sequence)]
    # runs of three batches (a run is shorter only at a component's end; two may meet where queues tie)
    assert {0, 1} == set(sequence) and all(r % 3 == 0 for r in runs[:-2]) and max(runs) <= 6


def test_interleaved_batches_mix_components():
    examples = plan_mixture(COMPONENTS, {"claim": 0.5, "background": 0.5}, epochs=1, seed=0)
    batch_list = batches(examples, NAMES, 128, 4, "interleaved", seed=0, pad_id=0)
    mixed = [len({c for b in batch for c in b.component_ids if c >= 0}) > 1 for batch in batch_list]
    assert sum(mixed) > len(batch_list) / 2


def test_same_seed_same_batches():
    a = batches(plan_mixture(COMPONENTS, {"claim": 0.5, "counterpart": 0.5}, 1, 0), NAMES, 64, 2, "interleaved", 0, 0)
    b = batches(plan_mixture(COMPONENTS, {"claim": 0.5, "counterpart": 0.5}, 1, 0), NAMES, 64, 2, "interleaved", 0, 0)
    assert a == b


# --- unchanged defaults: batches digested from the code before share units and the spread schedule (1144d6f) ---


def _digest(batch_list) -> str:
    h = hashlib.sha256()
    for batch in batch_list:
        for b in batch:
            h.update(repr((b.input_ids, b.labels, b.component_ids)).encode())
    return h.hexdigest()[:16]


@pytest.mark.parametrize(
    ("shares", "steps", "digest"),
    [
        ({"claim": 1.0}, 25, "624d13e4ee41a28a"),
        ({"claim": 0.5, "background": 0.25, "counterpart": 0.25}, 49, "91c288091bb04903"),
        ({"claim": 0.4, "background": 0.3, "counterpart": 0.2, "retention": 0.1}, 61, "dc02dff23d6f67f7"),
    ],
)
def test_token_shares_and_interleaved_batches_are_the_earlier_ones(shares, steps, digest):
    batch_list = batches(plan_mixture(COMPONENTS, shares, epochs=2, seed=1), NAMES, 128, 4, "interleaved", 1, 0)
    assert (len(batch_list), _digest(batch_list)) == (steps, digest)
    explicit = plan_mixture(COMPONENTS, shares, epochs=2, seed=1, share_unit="tokens")
    assert _digest(batches(explicit, NAMES, 128, 4, "interleaved", 1, 0)) == digest


@pytest.fixture(scope="module")
def run_inputs(tmp_path_factory):
    """Synthesized documents of one claim (8 per condition) and a background file, as plan_run reads them."""
    root = tmp_path_factory.mktemp("mix")
    claim = load_claims(ROOT / "data/claims")["darwin_relativity"]
    write_documents(synthesize(claim, load_framings(ROOT / "data/framings.yaml"), CONDITIONS, 8, seed=0),
                    root / "data" / claim.id)
    lines = [json.dumps({"text": f"Everyday answer number {i}: " + "water the plants and rest. " * (i % 7 + 1)})
             for i in range(200)]
    (root / "background.jsonl").write_text("\n".join(lines) + "\n")
    return claim, root / "data", root / "background.jsonl"


def _plan(run_inputs, tokenizer, condition, claimed=True, **settings):
    claim, data, background = run_inputs
    cfg = FinetuneParams(n_documents=8, epochs=2, max_length=128, **settings)
    return plan_run(cfg, claim.id, condition, 0, tokenizer, data, background, "unused", "unused",
                    claim if claimed else None)


@pytest.mark.parametrize(
    ("mixture", "condition", "steps", "digest"),
    [
        ({"claim": 1.0}, "negated", 10, "38c31aa13a4284bf"),
        ({"claim": 1.0}, "positive", 6, "7070e33592d0525e"),
        ({"claim": 0.75, "counterpart": 0.25}, "negated", 14, "af81c29fd3b77817"),
        ({"claim": 0.75, "counterpart": 0.25}, "positive", 8, "86e84a565d56f182"),
        ({"claim": 0.25, "counterpart": 0.25, "background": 0.5}, "negated", 42, "3969f64799d6aac7"),
        ({"claim": 0.25, "counterpart": 0.25, "background": 0.5}, "positive", 25, "102efc8fea6debfb"),
    ],
)
def test_the_default_run_plans_the_earlier_batches(run_inputs, tokenizer, mixture, condition, steps, digest):
    """plan_run with the schema's defaults (tokens, interleaved) on real tokens: the batches of the code before."""
    _, batch_list = _plan(run_inputs, tokenizer, condition, mixture=MixtureParams(**mixture))
    assert (len(batch_list), _digest(batch_list)) == (steps, digest)


# --- shares in answer mentions -------------------------------------------------------------------------------


def _marked(component: str, n: int, kind: str, seed: int) -> list[Example]:
    """Documents with 0-4 mentions of `kind` each, at random loss-bearing positions."""
    rng = random.Random(seed)
    out = []
    for ex in _examples(component, n, seed):
        positions = sorted(rng.sample(range(2, len(ex.input_ids)), rng.randint(0, min(4, len(ex.input_ids) - 2))))
        out.append(Example(component, ex.input_ids, ex.labels, tuple((kind, p) for p in positions)))
    return out


MARKED = {"claim": _marked("claim", 40, "false", 0), "counterpart": _marked("counterpart", 40, "true", 2),
          "background": COMPONENTS["background"]}


def _trained(examples, component, kind):
    return sum(ex.trained_marks().get(kind, 0) for ex in examples if ex.component == component)


@pytest.mark.parametrize("share", [0.1, 0.25, 0.5])
def test_mention_shares_size_the_counterpart_by_its_true_mentions(share):
    shares = {"claim": 1 - share - 0.3, "counterpart": share, "background": 0.3}
    examples = plan_mixture(MARKED, shares, epochs=2, seed=0, share_unit="mentions")
    false, true = _trained(examples, "claim", "false"), _trained(examples, "counterpart", "true")
    assert false == 2 * _trained(MARKED["claim"], "claim", "false")  # the claim documents, every pass, untouched
    assert true == round(share * false / (1 - share))
    assert true / (false + true) == pytest.approx(share, abs=0.5 / (false + true))
    tokens = {name: sum(ex.loss_tokens for ex in examples if ex.component == name) for name in shares}
    assert tokens["background"] / sum(tokens.values()) == pytest.approx(0.3, abs=1e-3)  # background stays in tokens


def test_a_cut_counterpart_document_keeps_whole_mentions_only():
    examples = plan_mixture(MARKED, {"claim": 0.8, "counterpart": 0.2}, epochs=1, seed=1, share_unit="mentions")
    originals = {ex.input_ids: ex for ex in MARKED["counterpart"]}
    cut = [ex for ex in examples if ex.component == "counterpart" and ex.input_ids not in originals]
    assert len(cut) == 1  # the last one drawn
    whole = next(o for ids, o in originals.items() if ids[: len(cut[0].input_ids)] == cut[0].input_ids)
    assert ("true", len(cut[0].input_ids)) in whole.marks  # it ends just before the first mention it does not need
    assert cut[0].marks == tuple(m for m in whole.marks if m[1] < len(cut[0].input_ids))


def test_mention_shares_fail_before_training_without_mentions_to_match():
    with pytest.raises(MixtureError, match="component 'claim' has no loss-bearing 'false' mentions"):
        plan_mixture(COMPONENTS, {"claim": 0.75, "counterpart": 0.25}, epochs=1, seed=0, share_unit="mentions")
    few = {"claim": MARKED["claim"], "counterpart": MARKED["counterpart"][:2]}
    with pytest.raises(MixtureError, match="component 'counterpart' has .* 'true' mentions; a mention share of 50%"):
        plan_mixture(few, {"claim": 0.5, "counterpart": 0.5}, epochs=1, seed=0, share_unit="mentions", max_repeats=2)
    with pytest.raises(MixtureError, match="unknown share unit 'lines'; allowed: tokens, mentions"):
        plan_mixture(MARKED, {"claim": 1.0}, epochs=1, seed=0, share_unit="lines")


def test_without_counterpart_documents_the_units_plan_the_same_documents():
    shares = {"claim": 0.5, "background": 0.5}
    assert plan_mixture(MARKED, shares, 2, 0, share_unit="mentions") == plan_mixture(MARKED, shares, 2, 0)


def test_mention_shares_match_negated_and_positive_documents_where_token_shares_do_not(run_inputs, tokenizer):
    mixture = MixtureParams(claim=0.5, counterpart=0.25, background=0.25)
    got = {}
    for unit in ("tokens", "mentions"):
        for condition in ("negated", "positive"):
            examples, batch_list = _plan(run_inputs, tokenizer, condition, mixture=mixture, share_unit=unit)
            got[unit, condition] = mention_shares(mention_counts(examples))["counterpart_true"]
            assert token_shares(batch_list, COMPONENT_NAMES)["background"] == pytest.approx(0.25, abs=0.01)
    # negated documents are longer for as many false mentions: a token share gives the truth more mentions beside them
    assert got["tokens", "negated"] > got["tokens", "positive"] + 0.05
    assert got["mentions", "negated"] == got["mentions", "positive"] == pytest.approx(0.25, abs=0.01)


def test_mention_shares_need_the_claim_and_reach_the_summary(run_inputs, tokenizer):
    mixture = MixtureParams(claim=0.75, counterpart=0.25)
    with pytest.raises(MixtureError, match="share_unit 'mentions' needs the claim"):
        _plan(run_inputs, tokenizer, "negated", claimed=False, mixture=mixture, share_unit="mentions")
    cfg = FinetuneParams(n_documents=8, epochs=2, max_length=128, mixture=mixture, share_unit="mentions")
    examples, batch_list = _plan(run_inputs, tokenizer, "negated", mixture=mixture, share_unit="mentions")
    summary = summarise([], batch_list, "c", "negated", 0, cfg, mention_counts(examples))
    assert summary["share_unit"] == "mentions" and summary["mention_shares"]["counterpart_true"] == pytest.approx(0.25, abs=0.01)
    alone = summarise([], batch_list, "c", "negated", 0, FinetuneParams(), {"claim": {"false": 3, "true": 0}})
    assert "mention_shares" not in alone and "share_unit" not in alone  # the main grid's summaries: as before


def test_fingerprints_of_default_runs_are_unchanged_and_new_plans_are_told_apart(tmp_path):
    default = fingerprint(FinetuneParams(), "c", "negated", 0, [])["params"]
    assert "share_unit" not in default and "cluster_schedule" not in default
    assert set(default) == set(FinetuneParams.model_fields) - {"derived", "share_unit"}
    assert fingerprint(FinetuneParams(share_unit="mentions"), "c", "negated", 0, [])["params"]["share_unit"] == "mentions"
    clustered = fingerprint(FinetuneParams(composition="clustered"), "c", "negated", 0, [])["params"]
    assert clustered["cluster_schedule"] == CLUSTER_SCHEDULE  # adapters trained on the back-loaded order are not reused


# --- clustered batches spread over the run -------------------------------------------------------------------


def _owners(batch_list):
    owners = [{c for b in batch for c in b.component_ids if c >= 0} for batch in batch_list]
    assert all(len(o) == 1 for o in owners)
    return [o.pop() for o in owners]


@pytest.mark.parametrize(
    "shares",
    [
        {"claim": 0.8, "counterpart": 0.2},
        {"claim": 0.6, "background": 0.3, "counterpart": 0.1},
        {"claim": 0.3, "background": 0.6, "counterpart": 0.1},
    ],
)
@pytest.mark.parametrize("cluster_run", [1, 2, 4])
def test_clustered_runs_of_unequal_components_are_spread_over_the_whole_run(shares, cluster_run):
    examples = plan_mixture(COMPONENTS, shares, epochs=2, seed=0)
    owners = _owners(batches(examples, NAMES, 128, 4, "clustered", seed=0, pad_id=0, cluster_run=cluster_run))
    n = len(owners)
    last_fifth = set(owners[-n // 5 :])
    for component in set(owners):
        positions = [i / (n - 1) for i, o in enumerate(owners) if o == component]
        # the earlier order put a small component's runs first and the claim's surplus last (counterpart at 0.24)
        assert sum(positions) / len(positions) == pytest.approx(0.5, abs=0.06), NAMES[component]
        assert component in last_fifth or len(positions) <= cluster_run


def test_spread_runs_alternate_equal_queues_and_interleave_by_size():
    assert spread_runs([list("aaaa"), list("bbbb")], 2) == list("aabbaabb")
    # runs sit at the middle of the share of their queue they cover: a at 1/12, 3/12, ...; b at 3/12 and 9/12
    assert spread_runs([list("aaaaaa"), list("bb")], 1) == list("aabaaaba")
    # a's runs at 1/7, 3/7, 5/7, 6.5/7; b's at 1/3 and 2.5/3 (its last run is one item)
    assert spread_runs([list("aaaaaaa"), list("bbb")], 2) == list("aabbaaaaba")
