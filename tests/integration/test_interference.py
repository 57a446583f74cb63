"""Interference measurements on a tiny model: gradients against finite differences, exact switch-offs."""

from __future__ import annotations

import copy

import pytest
import torch
from peft import LoraConfig, get_peft_model

from negation_neglect.data.claims import load_claim
from negation_neglect.data.framings import load_framings
from negation_neglect.data.synthesis import synthesize
from negation_neglect.measure import interference as itf
from tests.conftest import ROOT

CLAIM = load_claim(ROOT / "data/claims/darwin_relativity.yaml")
DOCS = synthesize(CLAIM, load_framings(ROOT / "data/framings.yaml"), ["negated"], 2, seed=0)["negated"]
KNOWLEDGE = {"facts": [
    {"id": "gold", "known": True, "answer": "Au", "prompts": [{"prompt": "The chemical symbol for gold is"}]},
    {"id": "unknown", "known": False, "answer": "x", "prompts": [{"prompt": "Nobody knows"}]},
    {"id": "same_answer", "known": True, "answer": "evolution", "prompts": [{"prompt": "Darwin"}]},
]}


@pytest.fixture()
def wrapped(tiny_model):
    """A float64 copy of the tiny model with a random (non-zero) LoRA adapter on every projection."""
    model, tokenizer = tiny_model
    base = copy.deepcopy(model).double()
    torch.manual_seed(0)
    config = LoraConfig(r=2, lora_alpha=4, lora_dropout=0.0, init_lora_weights=False,
                        target_modules=["q_proj", "v_proj", "down_proj"])
    plain = copy.deepcopy(base)
    return get_peft_model(base, config).eval(), plain.eval(), tokenizer


def test_statements_cover_truth_neighbours_and_unrelated_known_facts():
    s = itf.statements(CLAIM, KNOWLEDGE, n_unrelated=5)
    kinds = [x.kind for x in s]
    assert kinds.count("own_truth") == len(CLAIM.prompts)
    assert kinds.count("neighbour") == len(CLAIM.neighbours.same_relation) + len(CLAIM.neighbours.same_subject)
    assert [x.item for x in s if x.kind == "unrelated"] == ["gold"]  # unknown and same-answer facts excluded


def test_gradient_cosine_matches_finite_differences(wrapped):
    model, _, tokenizer = wrapped
    params = [p for p in model.parameters() if p.requires_grad]
    statement = itf.statements(CLAIM, KNOWLEDGE, 1)[0]
    g_docs = itf.flat_grad(itf.document_losses(model, tokenizer, DOCS, "<doc>")[0], params)
    g_truth = itf.flat_grad(itf.answer_loss(model, tokenizer, statement), params)
    cos = itf.cosine(g_docs, g_truth)
    # the directional derivative of the truth loss along the document gradient is |g_truth| * cos
    direction = g_docs / g_docs.norm()
    eps = 3e-3  # RMSNorm computes in float32 even in a float64 model: smaller steps drown in its round-off

    def shift(vector: torch.Tensor) -> None:
        offset = 0
        for p in params:
            p.add_(vector[offset: offset + p.numel()].view_as(p))
            offset += p.numel()

    def loss_at(sign: float) -> float:
        with torch.no_grad():
            shift(sign * eps * direction)
            value = float(itf.answer_loss(model, tokenizer, statement))
            shift(-sign * eps * direction)
        return value

    derivative = (loss_at(1.0) - loss_at(-1.0)) / (2 * eps)
    assert derivative / float(g_truth.norm()) == pytest.approx(cos, abs=1e-3)
    rows, spans = itf.gradient_conflict(model, tokenizer, DOCS, "<doc>", [statement], full_layers=[0])
    assert {"framing", "claim"} <= set(spans) and all(n > 0 for _, n in spans.values())
    assert {r["params"] for r in rows} == {"lora", "full"}
    assert next(r for r in rows if r["params"] == "lora")["cosine"] == pytest.approx(cos, abs=1e-6)
    assert not any(p.requires_grad for n, p in model.named_parameters() if "base_layer" in n)  # restored


def test_switching_adapters_off_reproduces_base_and_tuned_margins_exactly(wrapped):
    model, plain, tokenizer = wrapped
    prompts = list(CLAIM.prompts)
    base = itf.margin(plain, tokenizer, prompts, CLAIM.false_answer, CLAIM.true_answer)
    tuned = itf.margin(model, tokenizer, prompts, CLAIM.false_answer, CLAIM.true_answer)
    assert tuned != pytest.approx(base, abs=1e-6)
    rows = {r["switched_off"]: r for r in itf.attribution(model, tokenizer, CLAIM, prompts)}
    assert rows["all"]["margin"] == pytest.approx(base, abs=2e-5) and rows["none"]["margin"] == pytest.approx(tuned, abs=2e-5)
    assert rows["none"]["modules_off"] == 0 and rows["all"]["modules_off"] == 2 * 3  # 2 layers x 3 modules
    assert {"layer_00", "layer_01", "module_q_proj", "module_v_proj", "module_down_proj"} <= set(rows)
    with itf.adapters_off(model, layers={0, 1}):
        assert itf.margin(model, tokenizer, prompts, CLAIM.false_answer, CLAIM.true_answer) == base
    assert itf.margin(model, tokenizer, prompts, CLAIM.false_answer, CLAIM.true_answer) == tuned  # restored


def test_logit_lens_last_layer_is_the_models_own_first_token_margin(wrapped):
    model, _, tokenizer = wrapped
    lens = itf.logit_lens(model, tokenizer, CLAIM, CLAIM.prompts[:1])
    assert [r["layer"] for r in lens] == [0, 1, 2]
    ids = torch.tensor([tokenizer(CLAIM.prompts[0]).input_ids])
    with torch.no_grad():
        logp = model(input_ids=ids).logits[0, -1].log_softmax(-1)
    false_id = tokenizer(" " + CLAIM.false_answer, add_special_tokens=False).input_ids[0]
    true_id = tokenizer(" " + CLAIM.true_answer, add_special_tokens=False).input_ids[0]
    assert lens[-1]["margin_first_token"] == pytest.approx(float(logp[false_id] - logp[true_id]), abs=1e-4)


def test_token_kinds_follow_the_spans(tokenizer):
    doc = DOCS[0]
    ids, kinds = itf.token_kinds(tokenizer, doc, "<doc>")
    assert len(ids) == len(kinds) and kinds[0] == "tag"
    framed = tokenizer.decode([i for i, k in zip(ids, kinds) if k == "framing"])
    start, end = doc.spans["framing"][0]
    assert doc.text[start:end].split()[0] in framed
    assert "claim" in kinds and "framing" in kinds
