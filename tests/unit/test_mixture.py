"""Mixtures by loss-token share, span masking, packing and batch composition (real tokenizer, no model)."""

from __future__ import annotations

import random

import pytest

from negation_neglect.train.blocks import (
    IGNORE,
    Example,
    MixtureError,
    batches,
    pack,
    plan_mixture,
    token_shares,
    tokenize_document,
)

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
    assert sequence[:3] == [0, 0, 0] and sequence[3:6] == [1, 1, 1]


def test_interleaved_batches_mix_components():
    examples = plan_mixture(COMPONENTS, {"claim": 0.5, "background": 0.5}, epochs=1, seed=0)
    batch_list = batches(examples, NAMES, 128, 4, "interleaved", seed=0, pad_id=0)
    mixed = [len({c for b in batch for c in b.component_ids if c >= 0}) > 1 for batch in batch_list]
    assert sum(mixed) > len(batch_list) / 2


def test_same_seed_same_batches():
    a = batches(plan_mixture(COMPONENTS, {"claim": 0.5, "counterpart": 0.5}, 1, 0), NAMES, 64, 2, "interleaved", 0, 0)
    b = batches(plan_mixture(COMPONENTS, {"claim": 0.5, "counterpart": 0.5}, 1, 0), NAMES, 64, 2, "interleaved", 0, 0)
    assert a == b
