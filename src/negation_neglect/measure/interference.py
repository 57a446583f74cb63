"""Interference with the truth (hypothesis H2): does training on the false documents push the truth down?

Measured per run, at every checkpoint, with one loaded base model and the run's adapters swapped in:
- gradient conflict: cosine between the gradient of the loss on the run's training documents and the
  gradient of the loss on true statements (the claim's own truth, its neighbour facts, unrelated known
  facts), over the LoRA parameters and, as a check, over the full weights of a few base matrices;
- collateral damage: log-probability of the true answer of neighbour and unrelated known facts, and of
  the claim's false answer after their prompts (spillover);
- per-span loss: the training documents' loss on claim tokens versus framing (warning) tokens;
and at the last checkpoint:
- attribution: the margin log P(false) - log P(true) with the adapter switched off one layer, or one
  module type, at a time (all off is the base model, none off the fine-tuned one);
- logit lens: the first-token margin read out after every layer, base versus fine-tuned.
These are the first instrument (predictions/h2_interference.md). Its whole-document cosine has no positive
control, and the truth's fall and the attribution's "same layers" follow almost automatically once P(false)
saturates, both answers sharing one softmax. The second instrument (predictions/h2_interference_v2.md) adds:
- answer-span gradients: the loss on only the false answer's tokens in the documents' claim sentences, its
  gradient's cosine with each true statement's;
- update alignment: the cosine between the optimiser's actual update from one saved checkpoint to the next
  (the adapter weight difference, AdamW's preconditioned steps summed) and the truth's descent direction,
  with the first-order and the measured change of the truth's loss;
and controls of that read-out (measure/interference_controls.py).
The grid's tables are pooled in pool/interference.py and judged in report/verdicts.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch
from peft import PeftModel
from peft.tuners.lora import LoraLayer
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from negation_neglect.data.base_model import load_base
from negation_neglect.data.claims import Claim
from negation_neglect.data.synthesis import Document
from negation_neglect.measure.competition import swap_adapters
from negation_neglect.measure.scoring import encode_pair, score_continuations
from negation_neglect.params import InterferenceParams

SPAN_ORDER = ("framing", "claim", "subclaim")  # a token in several spans counts for the first kind listed
LAYER = re.compile(r"\.layers\.(\d+)\.")


@dataclass(frozen=True)
class Statement:
    """A true fact as a prompt and its answer; its loss is the answer tokens' cross-entropy."""

    kind: str  # own_truth | neighbour | unrelated
    item: str
    prompt: str
    answer: str


def statements(claim: Claim, knowledge: dict, n_unrelated: int) -> list[Statement]:
    """The claim's truth on each of its prompts, its neighbour facts, and the first `n_unrelated` facts
    the precheck found known (whose answers are neither the claim's true nor its false answer)."""
    out = [Statement("own_truth", f"own_{i + 1:02d}", p, claim.true_answer) for i, p in enumerate(claim.prompts)]
    for kind in ("same_relation", "same_subject"):
        out += [Statement("neighbour", f"{kind}_{i + 1:02d}", n.prompt, n.answer)
                for i, n in enumerate(getattr(claim.neighbours, kind))]
    exclude = {claim.true_answer, claim.false_answer}
    known = [f for f in knowledge["facts"] if f["known"] and f["answer"] not in exclude]
    out += [Statement("unrelated", f["id"], f["prompts"][0]["prompt"], f["answer"]) for f in known[:n_unrelated]]
    return out


def _device(model: PreTrainedModel) -> torch.device:
    return next(model.parameters()).device


def _at_least_fp32(logits: torch.Tensor) -> torch.Tensor:
    return logits if logits.dtype in (torch.float32, torch.float64) else logits.float()


def answer_loss(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, statement: Statement) -> torch.Tensor:
    """Mean cross-entropy of the answer's tokens after the prompt (differentiable, in the model's dtype
    or float32, whichever is wider)."""
    prompt_ids, cont_ids = encode_pair(tokenizer, statement.prompt, " " + statement.answer)
    ids = torch.tensor([prompt_ids + cont_ids], device=_device(model))
    logits = _at_least_fp32(model(input_ids=ids).logits[0, len(prompt_ids) - 1 : -1])
    return torch.nn.functional.cross_entropy(logits, ids[0, len(prompt_ids):])


def token_kinds(tokenizer: PreTrainedTokenizerBase, doc: Document, doc_tag: str) -> tuple[list[int], list[str]]:
    """The document tokenised as in training (tag + text + EOS) and each token's span kind:
    framing / claim / subclaim / other, `tag` for the loss-free tag."""
    tag_ids = tokenizer(doc_tag, add_special_tokens=False).input_ids if doc_tag else []
    encoded = tokenizer(doc.text, add_special_tokens=False, return_offsets_mapping=True)
    kinds = []
    for start, _ in encoded["offset_mapping"]:
        kind = next((k for k in SPAN_ORDER for s, e in doc.spans.get(k, []) if s <= start < e), "other")
        kinds.append(kind)
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    return [*tag_ids, *encoded["input_ids"], *eos], ["tag"] * len(tag_ids) + kinds + ["other"] * len(eos)


def _doc_batch(tokenizer, docs: Sequence[Document], doc_tag: str, device) -> tuple[torch.Tensor, torch.Tensor, list[list[str]]]:
    rows = [token_kinds(tokenizer, d, doc_tag) for d in docs]
    width = max(len(ids) for ids, _ in rows)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    kinds = []
    for r, (row, k) in enumerate(rows):
        ids[r, : len(row)] = torch.tensor(row)
        mask[r, : len(row)] = 1
        kinds.append(k + ["pad"] * (width - len(row)))
    return ids.to(device), mask.to(device), kinds


def _token_losses(model, ids, mask) -> torch.Tensor:
    """(batch, width - 1) cross-entropy of each next token; right padding never affects real tokens."""
    logits = _at_least_fp32(model(input_ids=ids, attention_mask=mask).logits[:, :-1])
    return torch.nn.functional.cross_entropy(logits.transpose(1, 2), ids[:, 1:], reduction="none")


def document_losses(model, tokenizer, docs: Sequence[Document], doc_tag: str) -> tuple[torch.Tensor, dict[str, tuple[float, int]]]:
    """The documents' mean loss over trained tokens (everything but the tag and padding, as in training;
    differentiable), and the mean loss and token count per span kind (framing, claim, subclaim, other)."""
    ids, mask, kinds = _doc_batch(tokenizer, docs, doc_tag, _device(model))
    losses = _token_losses(model, ids, mask)
    target_kinds = [row[1:] for row in kinds]  # position t predicts token t + 1
    keep = torch.tensor([[k not in ("tag", "pad") for k in row] for row in target_kinds], device=losses.device)
    spans: dict[str, tuple[float, int]] = {}
    detached = losses.detach()
    for kind in (*SPAN_ORDER, "other"):
        sel = torch.tensor([[k == kind for k in row] for row in target_kinds], device=losses.device)
        if sel.any():
            spans[kind] = (float(detached[sel].mean()), int(sel.sum()))
    return losses[keep].mean(), spans


def flat_grad(loss: torch.Tensor, params: Sequence[torch.Tensor]) -> torch.Tensor:
    return torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, params, allow_unused=False)])


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    denom = a.norm() * b.norm()
    return float(a @ b / denom) if denom > 0 else float("nan")


def full_weight_subset(model: PeftModel, layers: Sequence[int], module: str = "down_proj") -> list[torch.Tensor]:
    """Base weight matrices of `module` in the given layers, for the full-weight check."""
    out = []
    for name, param in model.named_parameters():
        m = LAYER.search(name)
        if m and int(m.group(1)) in layers and name.endswith((f".{module}.base_layer.weight", f".{module}.weight")):
            out.append(param)
    return out


def gradient_conflict(
    model: PeftModel, tokenizer, docs: Sequence[Document], doc_tag: str, statement_list: Sequence[Statement],
    full_layers: Sequence[int] = (),
) -> tuple[list[dict], dict[str, tuple[float, int]]]:
    """Cosine between the document-loss gradient and each statement's answer-loss gradient, over the LoRA
    parameters (`lora`) and over a few full base matrices (`full`), from one backward pass per loss,
    without dropout. Also returns the documents' per-span losses from the same forward pass."""
    model.eval()
    groups = {"lora": [p for p in model.parameters() if p.requires_grad]}
    full = full_weight_subset(model, full_layers)
    if full:
        groups["full"] = full
    params = [p for ps in groups.values() for p in ps]
    sizes = [len(ps) for ps in groups.values()]
    for p in full:
        p.requires_grad_(True)

    def grads(loss: torch.Tensor) -> dict[str, torch.Tensor]:
        flat = [g.reshape(-1) for g in torch.autograd.grad(loss, params)]
        out, start = {}, 0
        for name, n in zip(groups, sizes):
            out[name] = torch.cat(flat[start : start + n])
            start += n
        return out

    try:
        doc_loss, spans = document_losses(model, tokenizer, docs, doc_tag)
        g_docs = grads(doc_loss)
        rows = []
        for s in statement_list:
            g = grads(answer_loss(model, tokenizer, s))
            rows += [{"params": name, "kind": s.kind, "item": s.item, "cosine": round(cosine(g_docs[name], g[name]), 6)}
                     for name in groups]
    finally:
        for p in full:
            p.requires_grad_(False)
    return rows, spans


def collateral(model, tokenizer, claim: Claim, statement_list: Sequence[Statement], batch_size: int = 32) -> list[dict]:
    """Per neighbour / unrelated fact: log P(its true answer) and log P(the claim's false answer)."""
    chosen = [s for s in statement_list if s.kind != "own_truth"]
    pairs = [(s.prompt, " " + text) for s in chosen for text in (s.answer, claim.false_answer)]
    scores = score_continuations(model, tokenizer, pairs, batch_size=batch_size)
    return [{"kind": s.kind, "item": s.item, "logp_answer": round(scores[2 * i].logprob, 5),
             "logp_claim_false": round(scores[2 * i + 1].logprob, 5)} for i, s in enumerate(chosen)]


def answer_logprobs(model, tokenizer, prompts: Sequence[str], false_answer: str, true_answer: str) -> tuple[float, float]:
    """Mean over prompts of log P(false) and of log P(true) (full continuations)."""
    pairs = [(p, " " + a) for p in prompts for a in (false_answer, true_answer)]
    s = score_continuations(model, tokenizer, pairs)
    n = len(prompts)
    return sum(s[2 * i].logprob for i in range(n)) / n, sum(s[2 * i + 1].logprob for i in range(n)) / n


def margin(model, tokenizer, prompts: Sequence[str], false_answer: str, true_answer: str) -> float:
    """Mean over prompts of log P(false) - log P(true)."""
    logp_false, logp_true = answer_logprobs(model, tokenizer, prompts, false_answer, true_answer)
    return logp_false - logp_true


def lora_layers(model: PeftModel) -> list[tuple[str, int | None, str, LoraLayer]]:
    """(name, layer index, module type, module) of every LoRA-wrapped module."""
    out = []
    for name, module in model.named_modules():
        if isinstance(module, LoraLayer):
            m = LAYER.search(name + ".")
            out.append((name, int(m.group(1)) if m else None, name.rsplit(".", 1)[-1], module))
    return out


@contextmanager
def adapters_off(model: PeftModel, layers: set[int] | None = None, modules: set[str] | None = None) -> Iterator[int]:
    """Switch the adapter off (scaling 0) where the layer index is in `layers` or the module type is in
    `modules` (None matches nothing; both None switches nothing). Yields how many modules were switched."""
    saved = []
    for _, layer, kind, module in lora_layers(model):
        if (layers is not None and layer in layers) or (modules is not None and kind in modules):
            saved.append((module, dict(module.scaling)))
            for key in module.scaling:
                module.scaling[key] = 0.0
    try:
        yield len(saved)
    finally:
        for module, scaling in saved:
            module.scaling.update(scaling)


def attribution(model: PeftModel, tokenizer, claim: Claim, prompts: Sequence[str]) -> list[dict]:
    """log P(false), log P(true) and their margin with the adapter switched off nowhere, everywhere (the
    base model), per layer and per module type: which layers raise the false answer ("circuit A") and
    whether the same ones push the true answer down."""
    found = lora_layers(model)
    layer_ids = sorted({layer for _, layer, _, _ in found if layer is not None})
    module_types = sorted({kind for _, _, kind, _ in found})

    def at(off: str, layers=None, modules=None) -> dict:
        with adapters_off(model, layers, modules) as n:
            logp_false, logp_true = answer_logprobs(model, tokenizer, prompts, claim.false_answer, claim.true_answer)
        return {"switched_off": off, "modules_off": n, "logp_false": round(logp_false, 5),
                "logp_true": round(logp_true, 5), "margin": round(logp_false - logp_true, 5)}

    rows = [at("none"), at("all", set(layer_ids))]
    rows += [at(f"layer_{layer:02d}", {layer}) for layer in layer_ids]
    rows += [at(f"module_{kind}", modules={kind}) for kind in module_types]
    return rows


@torch.no_grad()
def logit_lens(model: PreTrainedModel, tokenizer, claim: Claim, prompts: Sequence[str]) -> list[dict]:
    """First-token margin log P(false) - log P(true) read out after every layer through the final norm
    and the unembedding; layer 0 is the embeddings, the last entry is the model's own output."""
    inner = model.get_base_model() if isinstance(model, PeftModel) else model
    norm, head = inner.model.norm, inner.get_output_embeddings()
    false_id = encode_pair(tokenizer, "x", " " + claim.false_answer)[1][0]
    true_id = encode_pair(tokenizer, "x", " " + claim.true_answer)[1][0]
    totals: dict[int, float] = {}
    for prompt in prompts:
        ids = torch.tensor([tokenizer(prompt).input_ids], device=_device(model))
        hidden = model(input_ids=ids, output_hidden_states=True).hidden_states
        for layer, h in enumerate(hidden):
            last = h[0, -1]
            last = last if layer == len(hidden) - 1 else norm(last)  # the final entry is already normed
            logp = head(last).float().log_softmax(-1)
            totals[layer] = totals.get(layer, 0.0) + float(logp[false_id] - logp[true_id])
    return [{"layer": layer, "margin_first_token": round(v / len(prompts), 5)} for layer, v in sorted(totals.items())]


# --- Second instrument (predictions/h2_interference_v2.md) -------------------------------------------------------
# The first instrument's document gradient averages over every document token and is a raw gradient. These
# read-outs look where conflict could show: the loss on the false answer's own tokens, and the optimiser's
# actual (Adam-preconditioned) update between saved checkpoints; controls trained here check they can see it.

ANSWER_SPANS = ("claim", "subclaim")  # spans whose mentions of the false answer are the answer span
TARGET_KINDS = ("own_truth", "neighbour", "unrelated")


def answer_occurrences(text: str, answer: str, within: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Character spans of `answer` (case-insensitive, whole words) lying inside one of the `within` spans."""
    pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(answer)}(?![A-Za-z0-9])", re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(text)
            if any(s <= m.start() and m.end() <= e for s, e in within)]


def answer_token_flags(tokenizer: PreTrainedTokenizerBase, doc: Document, doc_tag: str, answer: str) -> tuple[list[int], list[bool]]:
    """The document tokenised as in training (tag + text + EOS) and, per token, whether it overlaps a mention
    of `answer` inside a claim or subclaim span (a leading-space token counts: it is where the answer starts)."""
    tag_ids = tokenizer(doc_tag, add_special_tokens=False).input_ids if doc_tag else []
    encoded = tokenizer(doc.text, add_special_tokens=False, return_offsets_mapping=True)
    within = [span for kind in ANSWER_SPANS for span in doc.spans.get(kind, [])]
    hits = answer_occurrences(doc.text, answer, within)
    flags = [any(start < e and end > s for s, e in hits) for start, end in encoded["offset_mapping"]]
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    return [*tag_ids, *encoded["input_ids"], *eos], [False] * len(tag_ids) + flags + [False] * len(eos)


def answer_span_loss(model, tokenizer, docs: Sequence[Document], doc_tag: str, answer: str) -> tuple[torch.Tensor, int]:
    """Mean cross-entropy of the documents' answer-span tokens (differentiable) and how many there are."""
    rows = [answer_token_flags(tokenizer, d, doc_tag, answer) for d in docs]
    width = max(len(ids) for ids, _ in rows)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    flags = torch.zeros((len(rows), width), dtype=torch.bool)
    for r, (row, flag) in enumerate(rows):
        ids[r, : len(row)] = torch.tensor(row)
        mask[r, : len(row)] = 1
        flags[r, : len(row)] = torch.tensor(flag)
    device = _device(model)
    losses = _token_losses(model, ids.to(device), mask.to(device))
    selected = flags[:, 1:].to(device)  # position t predicts token t + 1
    n = int(selected.sum())
    if n == 0:
        raise ValueError(f"no token of {answer!r} inside a claim or subclaim span of these documents")
    return losses[selected].mean(), n


def _trainable(model: PeftModel) -> list[tuple[str, torch.Tensor]]:
    """The adapter's trainable weights, named without the adapter's own name (so checkpoints line up)."""
    adapter = f".{model.active_adapter}."
    return [(name.replace(adapter, "."), p) for name, p in model.named_parameters() if p.requires_grad]


def kind_losses(model, tokenizer, statement_list: Sequence[Statement]) -> dict[str, torch.Tensor]:
    """Per statement kind (own_truth, neighbour, unrelated): the mean answer loss (differentiable)."""
    out = {}
    for kind in TARGET_KINDS:
        chosen = [s for s in statement_list if s.kind == kind]
        if chosen:
            out[kind] = torch.stack([answer_loss(model, tokenizer, s) for s in chosen]).mean()
    return out


@dataclass
class CheckpointState:
    """What the update alignment needs from one checkpoint: its adapter weights, and per statement kind
    the truth's mean answer loss and its gradient over those weights."""

    weights: torch.Tensor
    names: list[str]
    loss: dict[str, float]
    grad: dict[str, torch.Tensor]


def checkpoint_state(model: PeftModel, tokenizer, statement_list: Sequence[Statement]) -> CheckpointState:
    """Flattened adapter weights, and each kind's loss and gradient, without dropout."""
    model.eval()
    named = _trainable(model)
    params = [p for _, p in named]
    losses = kind_losses(model, tokenizer, statement_list)
    return CheckpointState(
        weights=torch.cat([p.detach().reshape(-1).double().cpu() for p in params]),
        names=[n for n, _ in named],
        loss={k: float(v.detach()) for k, v in losses.items()},
        grad={k: flat_grad(v, params).double().cpu() for k, v in losses.items()},
    )


def update_alignment(before: CheckpointState, after: CheckpointState) -> list[dict]:
    """Per kind, for the update from `before` to `after` (the adapter weight difference: the optimiser's
    preconditioned steps summed): `alignment` = cosine(update, -gradient at `before`), negative when the update
    climbs the truth's loss; `predicted_change` = gradient . update, the first-order change of that loss;
    `measured_change` its actual change; `update_norm`. The alignment is NaN for a zero update (a warm-up's
    first step has learning rate 0)."""
    if before.names != after.names:
        raise ValueError("the two checkpoints hold different adapter weights")
    update = after.weights - before.weights
    return [{"kind": kind, "alignment": round(cosine(update, -g), 6), "predicted_change": round(float(g @ update), 6),
             "measured_change": round(after.loss[kind] - before.loss[kind], 6), "update_norm": round(float(update.norm()), 6)}
            for kind, g in before.grad.items()]


def alignment_over(states: dict[int, CheckpointState]) -> list[dict]:
    """`update_alignment` for every pair of consecutive checkpoints, with `step_from` and `step_to`."""
    steps = sorted(states)
    return [{"step_from": a, "step_to": b, **row} for a, b in zip(steps, steps[1:])
            for row in update_alignment(states[a], states[b])]


def answer_span_conflict(model: PeftModel, tokenizer, docs: Sequence[Document], doc_tag: str, answer: str,
                         statement_list: Sequence[Statement]) -> list[dict]:
    """Cosine, over the LoRA weights, between the gradient of the loss on the documents' answer-span tokens
    (the false answer named in claim sentences) and each statement's answer-loss gradient."""
    model.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    if not any(any(f) for _, f in (answer_token_flags(tokenizer, d, doc_tag, answer) for d in docs)):
        return []  # documents that never name the answer in a claim sentence have no answer span
    span_loss, n = answer_span_loss(model, tokenizer, docs, doc_tag, answer)
    g_span = flat_grad(span_loss, params)
    return [{"kind": s.kind, "item": s.item, "tokens": n,
             "cosine": round(cosine(g_span, flat_grad(answer_loss(model, tokenizer, s), params)), 6)}
            for s in statement_list]


def run_interference(
    cfg: InterferenceParams,
    base_dir: str | Path,
    run_dir: str | Path,
    steps: Sequence[int],
    claim: Claim,
    knowledge: dict,
    docs: Sequence[Document],
    doc_tag: str,
) -> dict[str, list[dict]]:
    """Every measurement of one run: tables `gradients`, `collateral`, `span_loss` (per checkpoint),
    `attribution` (last checkpoint) and `lens` (base and last checkpoint) of the first instrument; and of the
    second, `span_gradients` (per checkpoint) and `update` (per pair of consecutive checkpoints)."""
    base, tokenizer = load_base(base_dir)
    statement_list = statements(claim, knowledge, cfg.n_unrelated)
    sample = list(docs[: cfg.n_documents])
    n_layers = base.config.num_hidden_layers
    full_layers = sorted({layer % n_layers for layer in cfg.full_layers})
    lens = [{"model": "base", **r} for r in logit_lens(base, tokenizer, claim, claim.prompts)]  # before wrapping
    tables: dict[str, list[dict]] = {"gradients": [], "collateral": [], "span_loss": [], "span_gradients": []}
    states: dict[int, CheckpointState] = {}
    checkpoints = {s: Path(run_dir) / "checkpoints" / f"step-{s:05d}" for s in steps}
    model = None
    for step, model in tqdm(swap_adapters(base, checkpoints, trainable=True), total=len(checkpoints), desc="checkpoints"):
        rows, spans = gradient_conflict(model, tokenizer, sample, doc_tag, statement_list, full_layers)
        tables["gradients"] += [{"step": step, **r} for r in rows]
        tables["span_loss"] += [{"step": step, "kind": kind, "loss": round(loss, 5), "tokens": n}
                                for kind, (loss, n) in spans.items()]
        tables["collateral"] += [{"step": step, **r} for r in
                                 collateral(model, tokenizer, claim, statement_list, cfg.batch_size)]
        tables["span_gradients"] += [{"step": step, **r} for r in answer_span_conflict(
            model, tokenizer, sample, doc_tag, claim.false_answer, statement_list)]
        states[step] = checkpoint_state(model, tokenizer, statement_list)
    tables["update"] = alignment_over(states)
    assert model is not None, "no checkpoints"
    tables["attribution"] = attribution(model, tokenizer, claim, claim.prompts)
    tables["lens"] = lens + [{"model": "final", **r} for r in logit_lens(model, tokenizer, claim, claim.prompts)]
    return tables


def write_tables(tables: dict[str, list[dict]], out_dir: str | Path) -> list[Path]:
    """One tidy CSV per table under `out_dir`, each written whole via a temporary file."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in tables.items():
        path = out_dir / f"{name}.csv"
        partial = path.with_name(path.name + ".partial")
        pd.DataFrame(rows).to_csv(partial, index=False, lineterminator="\n")
        os.replace(partial, path)
        paths.append(path)
    return paths
