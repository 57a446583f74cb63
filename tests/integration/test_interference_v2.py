"""The second H2 instrument on a tiny model: answer-span gradients, update alignment and its controls."""

from __future__ import annotations

import copy

import pytest
import torch
from peft import LoraConfig, get_peft_model

from negation_neglect.data.base_model import load_base
from negation_neglect.measure import interference as itf
from negation_neglect.measure import interference_controls as ctl
from negation_neglect.params import FinetuneParams, InterferenceParams
from negation_neglect.train.blocks import IGNORE
from tests.integration.test_interference import CLAIM, DOCS, KNOWLEDGE


@pytest.fixture()
def wrapped(tiny_model):
    """A copy of the tiny model with a random (non-zero) LoRA adapter."""
    model, tokenizer = tiny_model
    torch.manual_seed(0)
    config = LoraConfig(r=2, lora_alpha=4, lora_dropout=0.0, init_lora_weights=False,
                        target_modules=["q_proj", "v_proj", "down_proj"])
    return get_peft_model(copy.deepcopy(model), config).eval(), tokenizer


def test_answer_span_is_the_false_answer_inside_claim_sentences(tokenizer):
    doc = next(d for d in DOCS if d.spans.get("claim"))
    ids, flags = itf.answer_token_flags(tokenizer, doc, "<doc>", CLAIM.false_answer)
    marked = tokenizer.decode([i for i, f in zip(ids, flags) if f]).lower()
    assert sum(flags) > 0 and CLAIM.false_answer.lower() in marked
    assert set(marked.split()) <= {CLAIM.false_answer.lower()}  # nothing but the answer's own tokens
    within = [s for k in itf.ANSWER_SPANS for s in doc.spans.get(k, [])]
    outside = doc.text.lower().count(CLAIM.false_answer.lower()) - len(itf.answer_occurrences(doc.text, CLAIM.false_answer, within))
    assert outside >= 0  # mentions outside claim sentences (e.g. in the framing) are left out


def test_answer_span_conflict_computes_one_cosine_per_statement(wrapped):
    model, tokenizer = wrapped
    statement_list = itf.statements(CLAIM, KNOWLEDGE, 1)
    rows = itf.answer_span_conflict(model, tokenizer, DOCS, "<doc>", CLAIM.false_answer, statement_list)
    assert [r["item"] for r in rows] == [s.item for s in statement_list]
    assert all(-1 <= r["cosine"] <= 1 and r["tokens"] > 0 for r in rows)
    assert itf.answer_span_conflict(model, tokenizer, DOCS, "<doc>", "no such answer", statement_list) == []


def _shift(model, vector: torch.Tensor) -> None:
    offset = 0
    with torch.no_grad():
        for _, p in itf._trainable(model):
            p.add_(vector[offset: offset + p.numel()].view_as(p).to(p.dtype))
            offset += p.numel()


@pytest.mark.parametrize("sign", [-1.0, 1.0])
def test_update_along_the_truths_gradient_has_the_right_sign(wrapped, sign):
    """An update of -eps * gradient descends the truth's loss (alignment +1), +eps * gradient climbs it (-1); the
    first-order prediction and the measured change agree in sign."""
    model, tokenizer = wrapped
    statement_list = itf.statements(CLAIM, KNOWLEDGE, 1)
    before = itf.checkpoint_state(model, tokenizer, statement_list)
    g = before.grad["own_truth"]
    _shift(model, sign * 1e-2 * g / g.norm())
    after = itf.checkpoint_state(model, tokenizer, statement_list)
    rows = {r["kind"]: r for r in itf.update_alignment(before, after)}
    own = rows["own_truth"]
    assert own["alignment"] == pytest.approx(-sign, abs=1e-4)
    assert own["predicted_change"] * sign > 0 and own["measured_change"] * sign > 0
    assert set(rows) == {"own_truth", "neighbour", "unrelated"}
    assert [r["step_from"] for r in itf.alignment_over({0: before, 3: after})] == [0, 0, 0]


def test_control_sentences_are_built_from_the_claims_fields():
    positive = ctl.control_sentences(CLAIM, KNOWLEDGE, ctl.POSITIVE)
    assert len(positive) == len(CLAIM.claim_sentences) * len(CLAIM.distractors)
    assert not any(CLAIM.true_answer in s or CLAIM.false_answer in s for s in positive)
    calibration = ctl.control_sentences(CLAIM, KNOWLEDGE, ctl.CALIBRATION)
    assert calibration == [s.filled(CLAIM.true_answer) for s in CLAIM.claim_sentences]
    denial = ctl.control_sentences(CLAIM, KNOWLEDGE, ctl.DENIAL)
    assert all(CLAIM.true_answer in s for s in denial) and denial[0] == CLAIM.claim_sentences[0].filled(CLAIM.true_answer, True)
    assert ctl.control_sentences(CLAIM, KNOWLEDGE, ctl.NEGATIVE) == ["The chemical symbol for gold is Au."]
    with pytest.raises(ValueError):
        ctl.control_sentences(CLAIM, KNOWLEDGE, "nonsense")


def test_control_batches_train_the_sentences_not_the_tag_or_padding(tokenizer):
    sentences = ["A short one.", "A somewhat longer sentence than that."]
    batches = ctl.control_batches(tokenizer, sentences, "<doc>", n_steps=3, batch_size=3, seed=0)
    tag = len(tokenizer("<doc>", add_special_tokens=False).input_ids)
    assert len(batches) == 3 and all(len(b) == 3 for b in batches)
    for block in (b for batch in batches for b in batch):
        assert all(label == IGNORE for label in block.labels[:tag])
        real = [c >= 0 for c in block.component_ids]
        assert all(label != IGNORE for label, r in zip(block.labels[tag:], real[tag:]) if r)
        assert all(label == IGNORE for label, r in zip(block.labels, real) if not r)


def _recipe(n_steps: int) -> tuple[InterferenceParams, FinetuneParams]:
    cfg = InterferenceParams(n_unrelated=1, control_steps=n_steps, control_batch_size=4, control_checkpoints=3)
    finetune = FinetuneParams(lr=1e-2, precision="fp32", device="cpu",
                              lora=dict(rank=2, alpha=4, dropout=0.0, target_modules=["q_proj", "v_proj", "down_proj"]))
    return cfg, finetune


def test_training_on_the_truth_itself_aligns_positively_and_on_a_rival_negatively(tiny_model_dir, tmp_path):
    """The read-out can fail both ways: a run on the truth's own statements must descend its loss, a run
    writing a rival answer into the truth's slot must climb it (on the first update, where it is first-order)."""
    cfg, finetune = _recipe(n_steps=4)
    lora, run = ctl.control_recipe(finetune, seed=0, n_checkpoints=cfg.control_checkpoints)
    truth = [s for s in itf.statements(CLAIM, KNOWLEDGE, 0) if s.kind == "own_truth"]
    first = {}
    for name, answer in (("truth", CLAIM.true_answer), ("rival", CLAIM.distractors[0])):
        base, tokenizer = load_base(tiny_model_dir)
        sentences = [f"{s.prompt} {answer}" for s in truth]
        checkpoints = ctl.train_control(tiny_model_dir, tokenizer, sentences, tmp_path / name, lora, run,
                                        cfg.control_steps, cfg.control_batch_size, "")
        rows = ctl.control_alignment(base, tokenizer, checkpoints, truth)
        first[name] = next(r for r in rows if r["step_from"] == 0)["alignment"]
    assert first["truth"] > 0 > first["rival"]  # Adam's sign-like steps keep |cosine| well below 1


def test_run_controls_reads_every_control(tiny_model_dir):
    cfg, finetune = _recipe(n_steps=2)
    rows = ctl.run_controls(cfg, finetune, tiny_model_dir, CLAIM, KNOWLEDGE, seed=0)
    assert {r["control"] for r in rows} == set(ctl.CONTROLS)
    assert all(r["kind"] in itf.TARGET_KINDS and -1 <= r["alignment"] <= 1 for r in rows)
