"""One training loop for every trainer: resume, log-spaced checkpoints and the finished-run rule.

A trainer (LoRA fine-tuning in `train.lora`, the organism's full-parameter training in
`organism.training`) builds a `Job`: its model, optimizer, schedule, forward pass, loss and checkpoint
writer. The engine owns the rest, the same for both:
- the run folder's `run.json` records the inputs (`fingerprint`), the settings and a digest of the
  engine's and the trainer's source; a folder written from other inputs or by another trainer is
  discarded, never resumed;
- resume state (`state.pt`: trained weights, optimizer, scheduler, RNG, step log) every `save_every`
  steps and at each checkpoint, so a killed run resumes to the weights and log of an uninterrupted one;
- checkpoints at log-spaced steps (`checkpoint_steps`), step 0 and the last step included; step 1 is left out
  when the schedule gives the first step a learning rate of 0 (a linear warm-up does), since its weights are
  step 0's;
- optional read-outs after every step (`probe`: the weights as they stand, in eval mode without gradients or
  random numbers, so the trajectory is the same with or without them), kept in the step log;
- the finished-run rule: after the last step the log is written to `log.json` without timings and
  `state.pt` is deleted; called again on a finished folder, the engine returns that log untrained;
- device and precision (`resolve_device`, `resolve_autocast`), the progress bar, the per-step log and
  the stop on a non-finite loss.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from negation_neglect.train.blocks import Block


class TrainingError(RuntimeError):
    """Training stopped; the message names the step and the last good checkpoint."""


@dataclass(frozen=True)
class LoopSettings:
    """What the engine itself reads from a trainer's settings."""

    grad_clip: float
    n_checkpoints: int  # log-spaced, step 0 and the last step included
    save_every: int  # resume state every this many steps
    precision: str  # auto | bf16 | fp32
    device: str  # auto | cpu | cuda
    seed: int


@dataclass(frozen=True)
class StepBatch:
    """One optimizer step's rows as tensors on the training device."""

    step: int  # 0-based index of the step
    input_ids: torch.Tensor
    labels: torch.Tensor
    component_ids: torch.Tensor
    attention: torch.Tensor  # 1 where a token belongs to a document (component id >= 0)


@dataclass
class Job:
    """A model ready to train, as a trainer hands it to the engine."""

    model: torch.nn.Module
    params: Sequence[torch.nn.Parameter]  # the trained weights; their gradient norm is clipped as one
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    forward: Callable[[StepBatch], Any]  # run under autocast
    loss: Callable[[Any, StepBatch], tuple[torch.Tensor, dict]]  # mean loss and extra log fields (no autocast)
    save: Callable[[Path], None]  # write one checkpoint folder
    weights: Callable[[], dict]  # the weights the resume state keeps
    load_weights: Callable[[dict], None]


def checkpoint_steps(total: int, n: int, first_step_trains: bool = True) -> list[int]:
    """`n` roughly log-spaced steps from 0 to `total` inclusive (fewer if the run is short). When the first
    step trains at learning rate 0 (`first_step_trains=False`), step 1 would repeat step 0 and is left out."""
    if total <= 0:
        return [0]
    points = {0, total}
    for k in range(1, max(n - 1, 1)):
        points.add(round(math.exp(math.log(total + 1) * k / (n - 1))) - 1)
    if not first_step_trains and total > 1:
        points.discard(1)
    return sorted(p for p in points if 0 <= p <= total)


def checkpoint_dirs(out_dir: str | Path) -> dict[int, Path]:
    """The run's saved checkpoints by step (partially written ones left out)."""
    folders = sorted(Path(out_dir, "checkpoints").glob("step-*"))
    return {int(p.name.split("-")[1]): p for p in folders if not p.name.endswith(".partial")}


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


def without_timing(log: Sequence[dict]) -> list[dict]:
    """The step log as a function of the inputs alone (wall-clock seconds removed)."""
    return [{k: v for k, v in entry.items() if k != "seconds"} for entry in log]


def code_digest(*modules: str | Path) -> str:
    """The engine's source and the trainer's own, so saved state from another version is never resumed."""
    digest = hashlib.sha256()
    for path in (__file__, *modules):
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


def save_folder(target: Path, write: Callable[[Path], None]) -> None:
    """Write a folder atomically: `write` fills `target.partial`, which then replaces `target`."""
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    write(partial)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)


def _save_state(path: Path, job: Job, step: int, log: list[dict]) -> None:
    partial = path.with_name(path.name + ".partial")
    state = {
        "step": step,
        "weights": job.weights(),
        "optimizer": job.optimizer.state_dict(),
        "scheduler": job.scheduler.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "log": log,
    }
    torch.save(state, partial)
    os.replace(partial, path)


def _step_batch(step: int, blocks: Sequence[Block], device: torch.device) -> StepBatch:
    def tensor(field: str) -> torch.Tensor:
        return torch.tensor([getattr(b, field) for b in blocks], dtype=torch.long, device=device)

    comps = tensor("component_ids")
    return StepBatch(step, tensor("input_ids"), tensor("labels"), comps, (comps >= 0).long())


def _prepare_folder(out_dir: Path, meta: dict, total: int) -> list[dict] | None:
    """Discard a folder from other inputs; return the log of a finished run, else record `meta`."""
    meta_path, log_path = out_dir / "run.json", out_dir / "log.json"
    if meta_path.exists() and json.loads(meta_path.read_text()) != meta:
        shutil.rmtree(out_dir)  # state from other inputs or another trainer: start again
    if log_path.exists():
        done = json.loads(log_path.read_text())
        if len(done) == total:
            return done
    out_dir.mkdir(parents=True, exist_ok=True)
    meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return None


def run_training(
    out_dir: str | Path,
    *,
    fingerprint: dict,
    settings: dict,
    code: Sequence[str | Path],
    total_steps: int,
    get_batch: Callable[[int], Sequence[Block]],
    build: Callable[[torch.device, torch.dtype | None], Job],
    loop: LoopSettings,
    stop_after: int | None = None,
    on_step: Callable[[dict], None] | None = None,
    probe: Callable[[torch.nn.Module], dict] | None = None,
    desc: str = "train",
) -> list[dict]:
    """Train the job `build(device, autocast_dtype)` returns for `total_steps` steps; return the step log.

    `fingerprint` identifies the run's inputs and `settings` (recorded in `run.json` with the digest of
    `code`, the trainer's source files) its recipe; saved state from any other is discarded. `stop_after`
    ends the loop early (for resume tests). Entries trained in this call carry `seconds` (the step alone, not
    its probe). `probe(model)` after every step adds its read-outs to the step's entry.
    """
    out_dir = Path(out_dir)
    state_path, log_path = out_dir / "state.pt", out_dir / "log.json"
    meta = json.loads(json.dumps({"fingerprint": fingerprint, "trainer": code_digest(*code), **settings}))
    done = _prepare_folder(out_dir, meta, total_steps)  # as `meta` reads back (tuples become lists)
    if done is not None:
        return done

    torch.manual_seed(loop.seed)
    device = resolve_device(loop.device)
    autocast = resolve_autocast(loop.precision, device)
    job = build(device, autocast)
    first_step_trains = job.scheduler.get_last_lr()[0] > 0  # the fresh schedule's first rate
    saves = set(checkpoint_steps(total_steps, loop.n_checkpoints, first_step_trains))

    start, log = 0, []
    if state_path.exists():
        state = torch.load(state_path, weights_only=False)
        job.load_weights(state["weights"])
        job.optimizer.load_state_dict(state["optimizer"])
        job.scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        if state["cuda_rng"]:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        start, log = state["step"], state["log"]

    def checkpoint(step: int) -> None:
        job.save(out_dir / "checkpoints" / f"step-{step:05d}")

    if start == 0 and 0 in saves:
        checkpoint(0)
    job.model.train()
    bar = tqdm(range(start, total_steps), desc=desc, initial=start, total=total_steps)
    for step in bar:
        if stop_after is not None and step >= stop_after:
            break
        batch = _step_batch(step, get_batch(step), device)
        tic = time.perf_counter()
        with torch.autocast(device.type, dtype=autocast or torch.float32, enabled=autocast is not None):
            output = job.forward(batch)
        loss, extra = job.loss(output, batch)
        if not torch.isfinite(loss):
            last = max((s for s in saves if s <= step), default=0)
            raise TrainingError(
                f"non-finite loss ({loss.item()}) at step {step + 1}; stopped. Last good checkpoint: "
                f"{out_dir / 'checkpoints' / f'step-{last:05d}'}. Lower the learning rate or check the data"
            )
        job.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(job.params, loop.grad_clip)
        lr = job.scheduler.get_last_lr()[0]
        job.optimizer.step()
        job.scheduler.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - tic
        entry = {"step": step + 1, "loss": round(loss.item(), 5), "lr": lr, "tokens": int(batch.attention.sum()),
                 **extra, "seconds": seconds}
        if probe is not None:
            job.model.eval()  # no dropout: the read-out neither uses nor advances the random state
            with torch.no_grad():
                entry.update(probe(job.model))
            job.model.train()
        log.append(entry)
        bar.set_postfix(loss=f"{entry['loss']:.3f}")
        if on_step:
            on_step(entry)
        if step + 1 in saves:
            checkpoint(step + 1)
        if step + 1 == total_steps:
            log_path.write_text(json.dumps(without_timing(log), indent=1, sort_keys=True) + "\n")
            state_path.unlink(missing_ok=True)  # finished: the checkpoints and the log are all that is read
        elif (step + 1) % loop.save_every == 0 or step + 1 in saves:
            _save_state(state_path, job, step + 1, log)
    return log
