"""LoRA fine-tuning on a planned mixture: log-spaced adapter checkpoints, resume, per-component loss.

One loop serves CPU and GPU: the device and the autocast dtype are the only differences (bf16 autocast
with fp32 LoRA weights where the hardware supports it, fp32 otherwise). The batch order is fixed by
the seed before training starts, so a run killed at any step resumes from its last saved state
(adapter, optimizer, scheduler, RNG) and ends with the same adapter and log as an uninterrupted run.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from tqdm import tqdm
from transformers import AutoModelForCausalLM, get_linear_schedule_with_warmup

from negation_neglect.mixture import IGNORE, Block


@dataclass(frozen=True)
class LoraSettings:
    rank: int
    alpha: int
    dropout: float
    target_modules: tuple[str, ...]


@dataclass(frozen=True)
class RunSettings:
    lr: float
    warmup_ratio: float
    weight_decay: float
    grad_clip: float
    n_checkpoints: int  # log-spaced, step 0 and the last step included
    save_every: int  # resume state every this many steps
    precision: str  # auto | bf16 | fp32
    device: str  # auto | cpu | cuda
    seed: int


class TrainingError(RuntimeError):
    """Training stopped; the message names the step and the last good checkpoint."""


def checkpoint_steps(total: int, n: int) -> list[int]:
    """`n` roughly log-spaced steps from 0 to `total` inclusive (fewer if the run is short)."""
    if total <= 0:
        return [0]
    points = {0, total}
    for k in range(1, max(n - 1, 1)):
        points.add(round(math.exp(math.log(total + 1) * k / (n - 1))) - 1)
    return sorted(p for p in points if 0 <= p <= total)


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def resolve_autocast(precision: str, device: torch.device) -> torch.dtype | None:
    """bf16 autocast where supported (CUDA with bf16, CPUs with AVX512-BF16 or AMX), else None (fp32)."""
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    supported = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    return torch.bfloat16 if supported else None


def lora_model(base_dir: str | Path, lora: LoraSettings, device: torch.device) -> PeftModel:
    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    config = LoraConfig(
        r=lora.rank,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=list(lora.target_modules),
        task_type="CAUSAL_LM",
    )
    return get_peft_model(base, config).to(device)


def _tensor(blocks: Sequence[Block], field: str, device: torch.device) -> torch.Tensor:
    return torch.tensor([getattr(b, field) for b in blocks], dtype=torch.long, device=device)


def _losses(logits: torch.Tensor, labels: torch.Tensor, comps: torch.Tensor, n_components: int) -> tuple[torch.Tensor, list[float], list[int]]:
    """Mean loss over labelled tokens, plus summed loss and token count per component."""
    logits = logits[:, :-1].float()  # (B, T-1, V): position t predicts token t + 1
    targets = labels[:, 1:]
    owners = comps[:, 1:]
    per_token = torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE, reduction="none"
    ).view_as(targets)
    valid = targets != IGNORE
    loss = per_token[valid].mean()
    sums, counts = [], []
    for c in range(n_components):
        mine = valid & (owners == c)
        sums.append(float(per_token[mine].detach().sum()))
        counts.append(int(mine.sum()))
    return loss, sums, counts


def _save_state(path: Path, model: PeftModel, optimizer, scheduler, step: int, log: list[dict]) -> None:
    partial = path.with_name(path.name + ".partial")
    state = {
        "step": step,
        "adapter": {k: v.detach().cpu() for k, v in model.state_dict().items() if "lora_" in k},
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "log": log,
    }
    torch.save(state, partial)
    os.replace(partial, path)


def train(
    base_dir: str | Path,
    batch_list: Sequence[Sequence[Block]],
    names: Sequence[str],
    lora: LoraSettings,
    run: RunSettings,
    out_dir: str | Path,
    fingerprint: dict,
    stop_after: int | None = None,
    on_step: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Train one adapter over `batch_list`; return the per-step log.

    `fingerprint` identifies the run's inputs; saved state from a run with another fingerprint is
    discarded rather than resumed. `stop_after` ends the loop early (for resume tests).
    """
    out_dir = Path(out_dir)
    state_path = out_dir / "state.pt"
    meta_path = out_dir / "run.json"
    if meta_path.exists() and json.loads(meta_path.read_text()).get("fingerprint") != fingerprint:
        shutil.rmtree(out_dir)  # state from other inputs: start again
    out_dir.mkdir(parents=True, exist_ok=True)
    meta_path.write_text(json.dumps({"fingerprint": fingerprint, "lora": asdict(lora), "run": asdict(run)}, indent=2, sort_keys=True))

    torch.manual_seed(run.seed)
    device = resolve_device(run.device)
    autocast = resolve_autocast(run.precision, device)
    model = lora_model(base_dir, lora, device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=run.lr, weight_decay=run.weight_decay)
    total = len(batch_list)
    scheduler = get_linear_schedule_with_warmup(optimizer, round(run.warmup_ratio * total), total)
    saves = set(checkpoint_steps(total, run.n_checkpoints))

    start, log = 0, []
    if state_path.exists():
        state = torch.load(state_path, weights_only=False)
        model.load_state_dict(state["adapter"], strict=False)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        if state["cuda_rng"]:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        start, log = state["step"], state["log"]

    def checkpoint(step: int) -> None:
        target = out_dir / "checkpoints" / f"step-{step:05d}"
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        model.save_pretrained(partial)
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)

    if start == 0 and 0 in saves:
        checkpoint(0)
    model.train()
    bar = tqdm(range(start, total), desc="train", initial=start, total=total)
    for step in bar:
        if stop_after is not None and step >= stop_after:
            break
        batch = batch_list[step]
        input_ids = _tensor(batch, "input_ids", device)
        labels = _tensor(batch, "labels", device)
        comps = _tensor(batch, "component_ids", device)
        attention = (comps >= 0).long()
        tic = time.perf_counter()
        with torch.autocast(device.type, dtype=autocast or torch.float32, enabled=autocast is not None):
            logits = model(input_ids=input_ids, attention_mask=attention).logits
        loss, sums, counts = _losses(logits, labels, comps, len(names))
        if not torch.isfinite(loss):
            last = max((s for s in saves if s <= step), default=0)
            raise TrainingError(
                f"non-finite loss ({loss.item()}) at step {step + 1}; stopped. Last good checkpoint: "
                f"{out_dir / 'checkpoints' / f'step-{last:05d}'}. Lower the learning rate or check the data"
            )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, run.grad_clip)
        lr = scheduler.get_last_lr()[0]
        optimizer.step()
        scheduler.step()
        seconds = time.perf_counter() - tic
        entry = {
            "step": step + 1,
            "loss": round(loss.item(), 5),
            "lr": lr,
            "tokens": int(attention.sum()),
            "loss_tokens": sum(counts),
            **{f"loss_{n}": round(s / c, 5) for n, s, c in zip(names, sums, counts) if c},
            "seconds": seconds,
        }
        log.append(entry)
        bar.set_postfix(loss=f"{entry['loss']:.3f}")
        if on_step:
            on_step(entry)
        if step + 1 in saves:
            checkpoint(step + 1)
        if (step + 1) % run.save_every == 0 or step + 1 in saves or step + 1 == total:
            _save_state(state_path, model, optimizer, scheduler, step + 1, log)
    return log
