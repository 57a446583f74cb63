"""Controls for the update-alignment read-out of H2 (predictions/h2_interference_v2.md).

An instrument that reports "no conflict" is only informative if it reports conflict where there must be some.
Each control is a tiny LoRA run, with the fine-tuning grid's recipe (`train.lora.train`, the same engine), on
short sentences built from the claim's own fields, never typed per claim:
- `assert_other` (positive control): the claim's sentences asserting a distractor in the true answer's place;
  the truth's answer slot is trained towards a rival in the same softmax, so its update must climb the
  truth's loss;
- `unrelated_facts` (negative control): known facts unrelated to the claim, stated truly;
- `deny_truth`: the claim's denial sentences with the true answer ("X did not propose Y"), the question
  negation neglect bears on;
- `assert_truth` (calibration): the claim's sentences asserting the true answer. An Adam update is nearly
  sign-like, so its cosine with any raw gradient is small even when it trains on that very target; what this
  control reaches is the scale the others are read against (pool.interference's relative alignment).
Their checkpoints are read with `measure.interference.alignment_over`, as the grid's runs are.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Sequence
from pathlib import Path

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from negation_neglect.data.base_model import load_base
from negation_neglect.data.claims import Claim
from negation_neglect.measure.competition import swap_adapters
from negation_neglect.measure.interference import Statement, alignment_over, checkpoint_state, statements
from negation_neglect.params import FinetuneParams, InterferenceParams
from negation_neglect.train.blocks import IGNORE, Block
from negation_neglect.train.engine import checkpoint_dirs
from negation_neglect.train.lora import LoraSettings, RunSettings, train

CONTROLS = ("assert_other", "unrelated_facts", "deny_truth", "assert_truth")
POSITIVE, NEGATIVE, DENIAL, CALIBRATION = CONTROLS


def control_sentences(claim: Claim, knowledge: dict, control: str) -> list[str]:
    """The training sentences of one control, from the claim's fields (and, for `unrelated_facts`, the known
    facts of the precheck whose answer is neither of the claim's)."""
    if control == POSITIVE:
        return [s.filled(d) for s in claim.claim_sentences for d in claim.distractors]
    if control == DENIAL:
        return [s.filled(claim.true_answer, denied=True) for s in claim.claim_sentences]
    if control == CALIBRATION:
        return [s.filled(claim.true_answer) for s in claim.claim_sentences]
    if control == NEGATIVE:
        exclude = {claim.true_answer, claim.false_answer, *claim.distractors}
        return [f"{f['prompts'][0]['prompt']} {f['answer']}." for f in knowledge["facts"]
                if f["known"] and f["answer"] not in exclude]
    raise ValueError(f"unknown control {control!r}; one of {CONTROLS}")


def control_batches(tokenizer: PreTrainedTokenizerBase, sentences: Sequence[str], doc_tag: str, n_steps: int,
                    batch_size: int, seed: int) -> list[list[Block]]:
    """`n_steps` batches of `batch_size` sentences (a seeded shuffle, cycled), one sentence per row as the grid
    trains documents (tag without loss, text, EOS), right-padded to the batch's longest row. Every control
    trains on the same number of sentences, whatever its pool's size."""
    if not sentences:
        raise ValueError("a control needs at least one sentence")
    rng = random.Random(seed)
    order: list[str] = []
    while len(order) < n_steps * batch_size:
        order += rng.sample(list(sentences), len(sentences))
    tag = tokenizer(doc_tag, add_special_tokens=False).input_ids if doc_tag else []
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    batches = []
    for step in range(n_steps):
        rows = [[*tag, *tokenizer(s, add_special_tokens=False).input_ids, tokenizer.eos_token_id]
                for s in order[step * batch_size: (step + 1) * batch_size]]
        width = max(len(r) for r in rows)
        batches.append([Block(
            input_ids=tuple(r + [pad] * (width - len(r))),
            labels=tuple([IGNORE] * len(tag) + r[len(tag):] + [IGNORE] * (width - len(r))),
            component_ids=tuple([0] * len(r) + [-1] * (width - len(r))),
        ) for r in rows])
    return batches


def train_control(base_dir: str | Path, tokenizer: PreTrainedTokenizerBase, sentences: Sequence[str], out_dir: str | Path,
                  lora: LoraSettings, run: RunSettings, n_steps: int, batch_size: int, doc_tag: str) -> dict[int, Path]:
    """Train one control adapter with the grid's engine; return its checkpoints by step."""
    batches = control_batches(tokenizer, sentences, doc_tag, n_steps, batch_size, run.seed)
    train(base_dir, batches, ["control"], lora, run, out_dir, fingerprint={"sentences": list(sentences)})
    return checkpoint_dirs(out_dir)


def control_alignment(base: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, checkpoints: dict[int, Path],
                      statement_list: Sequence[Statement]) -> list[dict]:
    """The update alignment of a control run, checkpoint to checkpoint (`base` is wrapped in place)."""
    states = {step: checkpoint_state(model, tokenizer, statement_list)
              for step, model in swap_adapters(base, checkpoints, trainable=True)}
    return alignment_over(states)


def control_recipe(finetune: FinetuneParams, seed: int, n_checkpoints: int) -> tuple[LoraSettings, RunSettings]:
    """The grid's LoRA recipe (rank, alpha, dropout, modules, learning rate and schedule, precision) for a control
    run: its own checkpoint count, the run's seed."""
    lora = LoraSettings(rank=finetune.lora.rank, alpha=finetune.lora.alpha, dropout=finetune.lora.dropout,
                        target_modules=tuple(finetune.lora.target_modules))
    run = RunSettings(lr=finetune.lr, warmup_ratio=finetune.warmup_ratio, weight_decay=finetune.weight_decay,
                      grad_clip=finetune.grad_clip, n_checkpoints=n_checkpoints, save_every=10**9,
                      precision=finetune.precision, device=finetune.device, seed=seed)
    return lora, run


def run_controls(cfg: InterferenceParams, finetune: FinetuneParams, base_dir: str | Path, claim: Claim, knowledge: dict,
                 seed: int, controls: Sequence[str] = CONTROLS) -> list[dict]:
    """Train every control for the claim (in a temporary folder: only the read-out is kept) and return its
    update alignment rows, with a `control` column, against the same statements as the grid's runs. A control
    without sentences (no known unrelated fact) is left out."""
    lora, run = control_recipe(finetune, seed, cfg.control_checkpoints)
    statement_list = statements(claim, knowledge, cfg.n_unrelated)
    rows: list[dict] = []
    for control in controls:
        sentences = control_sentences(claim, knowledge, control)
        if not sentences:
            continue  # e.g. no known unrelated fact: the pool reports the control as missing
        with tempfile.TemporaryDirectory(prefix=f"control_{control}_") as work:
            base, tokenizer = load_base(base_dir)
            checkpoints = train_control(base_dir, tokenizer, sentences, work, lora, run, cfg.control_steps,
                                        cfg.control_batch_size, finetune.doc_tag)
            rows += [{"control": control, **r} for r in control_alignment(base, tokenizer, checkpoints, statement_list)]
    return rows
