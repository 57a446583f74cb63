"""Full-parameter training of the organism (pre-training and full fine-tuning) on `train.engine`.

The engine runs the loop, resume and checkpoints; this module supplies what differs from LoRA training:
every weight trained, AdamW with betas (0.9, 0.95) and weight decay on matrices only, a warm-up then
cosine schedule, a plain cross-entropy loss, and checkpoints that are whole models saved with the
tokenizer (so each loads alone). The finished model is also kept as `out_dir/model`.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

from negation_neglect.train.blocks import IGNORE, Block
from negation_neglect.train.engine import Job, LoopSettings, StepBatch, checkpoint_dirs, run_training, save_folder


@dataclass(frozen=True)
class FullSpeedups:
    """Candidate ways to compute a step of a small model faster; both measured slower, so both are off.

    A ~1M-weight model is bound by per-operation overhead rather than matmuls, so the candidates do fewer
    operations: no padding mask when every token of the batch is real (pre-training batches always are),
    and one fused AdamW step over all weights. Measured side by side on 2 CPU cores
    (benchmarks/bench_organism.py, benchmarks/results/organism.json): both on 0.86x the first trainer's
    tokens/s, the mask skip alone costs 14%, the fused optimizer 12%; with both on, fp32 is 1.08x bf16
    autocast, still below the first trainer. Kept as options so the measurement can be repeated on other
    machines (a GPU may differ).
    """

    skip_full_mask: bool = False
    fused_adamw: bool = False

    @classmethod
    def none(cls) -> FullSpeedups:
        return cls(skip_full_mask=False, fused_adamw=False)

    @classmethod
    def all(cls) -> FullSpeedups:
        return cls(skip_full_mask=True, fused_adamw=True)


@dataclass(frozen=True)
class FullSettings:
    lr: float
    warmup_ratio: float
    min_lr_ratio: float  # cosine decay to this fraction of lr
    weight_decay: float
    grad_clip: float
    n_checkpoints: int
    save_every: int
    precision: str
    device: str
    seed: int
    speedups: FullSpeedups = FullSpeedups()

    def loop(self) -> LoopSettings:
        return LoopSettings(grad_clip=self.grad_clip, n_checkpoints=self.n_checkpoints, save_every=self.save_every,
                            precision=self.precision, device=self.device, seed=self.seed)


def cosine(step: int, total: int, warmup: int, min_ratio: float) -> float:
    """Learning-rate factor: linear warm-up over `warmup` steps, then cosine decay to `min_ratio`."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(total - warmup, 1)
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def _full_job(model: torch.nn.Module, tokenizer: PreTrainedTokenizerFast, total: int, run: FullSettings,
              device: torch.device) -> Job:
    model = model.to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": run.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=run.lr, betas=(0.9, 0.95), fused=run.speedups.fused_adamw or None,
    )
    warmup = max(1, round(run.warmup_ratio * total))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: cosine(s, total, warmup, run.min_lr_ratio))

    def forward(batch: StepBatch) -> torch.Tensor:
        full = run.speedups.skip_full_mask and bool(batch.attention.all())
        return model(input_ids=batch.input_ids, attention_mask=None if full else batch.attention).logits

    def loss(logits: torch.Tensor, batch: StepBatch) -> tuple[torch.Tensor, dict]:
        targets = batch.labels[:, 1:]
        mean = torch.nn.functional.cross_entropy(
            logits[:, :-1].float().reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE
        )
        return mean, {}

    def write(folder: Path) -> None:
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)

    return Job(
        model=model, params=list(model.parameters()), optimizer=optimizer, scheduler=scheduler, forward=forward,
        loss=loss, save=lambda target: save_folder(target, write), weights=model.state_dict,
        load_weights=model.load_state_dict,
    )


def train_full(
    model_dir: str | Path | None,
    model: torch.nn.Module | None,
    get_batch: Callable[[int], Sequence[Block]],
    total_steps: int,
    run: FullSettings,
    out_dir: str | Path,
    fingerprint: dict,
    tokenizer: PreTrainedTokenizerFast,
    stop_after: int | None = None,
    desc: str = "train",
) -> list[dict]:
    """Train every weight of a model (`model_dir` to load, or a fresh `model`) for `total_steps` steps.

    Full models (with the tokenizer) are saved at log-spaced steps under `out_dir/checkpoints/step-NNNNN`;
    the last one is also `out_dir/model`, restored from that checkpoint when a finished run is called
    again without it. Resume and the finished-run rule are the engine's (`engine.run_training`).
    """
    out_dir = Path(out_dir)

    def build(device: torch.device, autocast: torch.dtype | None) -> Job:
        loaded = model if model is not None else AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
        return _full_job(loaded, tokenizer, total_steps, run, device)

    log = run_training(
        out_dir, fingerprint=fingerprint, settings={"run": asdict(run)}, code=[__file__], total_steps=total_steps,
        get_batch=get_batch, build=build, loop=run.loop(), stop_after=stop_after, desc=desc,
    )
    if len(log) == total_steps and not (out_dir / "model").is_dir():
        last = checkpoint_dirs(out_dir)[total_steps]  # the last step is always a checkpoint
        save_folder(out_dir / "model", lambda folder: shutil.copytree(last, folder))
    return log
