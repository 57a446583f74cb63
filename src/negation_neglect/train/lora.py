"""LoRA fine-tuning on a planned mixture: the adapter, its speedups and its per-component loss.

The loop itself (resume, log-spaced adapter checkpoints, the finished-run rule) is `train.engine`'s; this
module supplies the LoRA model, AdamW with a linear warm-up schedule, the loss (chunked through the
frozen output layer where it can be) and the adapter writer. One loop serves CPU and GPU: the device
and the autocast dtype are the only differences (bf16 autocast with fp32 LoRA weights where the
hardware supports it, fp32 otherwise). The batch order is fixed by the seed before training starts, so
a run killed at any step ends with the same adapter and log as an uninterrupted run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForCausalLM, get_linear_schedule_with_warmup

from negation_neglect.train.blocks import IGNORE, Block
from negation_neglect.train.engine import Job, LoopSettings, StepBatch, run_training, save_folder


@dataclass(frozen=True)
class LoraSettings:
    rank: int
    alpha: int
    dropout: float
    target_modules: tuple[str, ...]


@dataclass(frozen=True)
class Speedups:
    """How a step is computed on the CPU; each is on by default, `Speedups.none()` is the first trainer.

    The benchmark (`benchmarks/bench_training.py`) times each against the others; none changes what is
    optimised, only the arithmetic's order and the dropout masks' random source. Measured and dropped:
    frozen weights stored in bf16 once (no faster than autocast's per-step cast) and the causal attention
    kernel without a mask (slower on these CPUs than the masked one).
    """

    fused_loss: bool = True  # loss and its gradient in row chunks from the last hidden state: no (B, T, V) tensors
    fast_dropout: bool = True  # LoRA dropout masks from a step-seeded numpy generator, in the input's dtype
    bf16_lora_input: bool = True  # bf16 activations enter the LoRA path as they are (no fp32 round trip)

    @classmethod
    def none(cls) -> Speedups:
        return cls(**{f.name: False for f in fields(cls)})


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
    speedups: Speedups = field(default_factory=Speedups)

    def loop(self) -> LoopSettings:
        return LoopSettings(grad_clip=self.grad_clip, n_checkpoints=self.n_checkpoints, save_every=self.save_every,
                            precision=self.precision, device=self.device, seed=self.seed)


def lora_model(base_dir: str | Path, lora: LoraSettings, device: torch.device) -> PeftModel:
    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    config = LoraConfig(
        r=lora.rank,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=sorted(lora.target_modules),
        task_type="CAUSAL_LM",
    )
    return get_peft_model(base, config).to(device)


class StepDropout(torch.nn.Module):
    """Inverted dropout whose masks come from `source.rng`, a numpy generator reseeded at every step.

    Reseeding from (seed, step) makes a resumed run draw the same masks as an uninterrupted one without
    saving generator state, and numpy's generator fills a mask several times faster than `bernoulli_`
    on these CPUs. The drop probability is rounded to a multiple of 1/65536.
    """

    def __init__(self, p: float, source: DropoutSource):
        super().__init__()
        self.source = source
        self.threshold = round(p * 65536)  # drop where a uniform 16-bit draw falls below this
        self.scale = 65536 / (65536 - self.threshold)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.threshold == 0:
            return x
        if torch.is_autocast_enabled(x.device.type):  # the LoRA matmul would cast it next: cast once, first
            x = x.to(torch.get_autocast_dtype(x.device.type))
        draws = self.source.rng.integers(0, 65536, x.numel(), dtype=np.uint16).view(np.int16)
        keep = torch.from_numpy(draws).view(x.shape) >= self.threshold - 32768
        return torch.where(keep.to(x.device), x * self.scale, 0)


class DropoutSource:
    def __init__(self, seed: int):
        self.seed = seed
        self.rng = np.random.default_rng([seed, 0])

    def at_step(self, step: int) -> None:
        self.rng = np.random.default_rng([self.seed, step])


def apply_speedups(model: PeftModel, speedups: Speedups, device: torch.device, seed: int) -> DropoutSource | None:
    """Rewire a LoRA model for the speedups that apply on this device; return the dropout masks' source."""
    source = None
    for module in model.get_base_model().modules():
        if hasattr(module, "lora_dropout"):
            if speedups.bf16_lora_input:
                module.cast_input_dtype_enabled = False  # autocast casts to bf16 at the LoRA matmul anyway
            if speedups.fast_dropout and device.type == "cpu":
                source = source or DropoutSource(seed)
                for name, dropout in module.lora_dropout.items():
                    if isinstance(dropout, torch.nn.Dropout):
                        module.lora_dropout[name] = StepDropout(dropout.p, source)
    return source


def fused_loss_supported(model: PeftModel) -> bool:
    """The chunked loss reproduces `lm_head(hidden)` only for a frozen, bias-free, unscaled output layer."""
    base = model.get_base_model()
    head = base.get_output_embeddings()
    config = base.config
    return (isinstance(head, torch.nn.Linear) and head.bias is None and not head.weight.requires_grad
            and getattr(config, "final_logit_softcapping", None) is None and getattr(config, "logit_scale", None) is None)


class _ChunkedHeadLoss(torch.autograd.Function):
    """Per-token cross-entropy of `hidden @ weight.T`, in row chunks, with a frozen `weight`.

    The gradient with respect to `hidden` is computed during the forward pass, chunk by chunk, so the
    (tokens x vocabulary) logits and their gradient never exist whole; backward only scales it.
    """

    @staticmethod
    def forward(ctx, hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor, chunk: int) -> torch.Tensor:
        losses = torch.empty(len(targets), dtype=torch.float32, device=hidden.device)
        grad = torch.empty_like(hidden)
        for start in range(0, len(targets), chunk):
            stop = min(start + chunk, len(targets))
            rows, t = torch.arange(stop - start, device=hidden.device), targets[start:stop]
            logp = torch.log_softmax((hidden[start:stop].to(weight.dtype) @ weight.T).float(), dim=-1)
            losses[start:stop] = -logp[rows, t]
            probs = logp.exp_()
            probs[rows, t] -= 1.0  # d(-log p_t)/d logits = softmax - one-hot
            grad[start:stop] = (probs.to(weight.dtype) @ weight).to(hidden.dtype)
        ctx.save_for_backward(grad)
        return losses

    @staticmethod
    def backward(ctx, grad_losses: torch.Tensor):
        (grad,) = ctx.saved_tensors
        return grad * grad_losses[:, None].to(grad.dtype), None, None, None


def _component_losses(per_token: torch.Tensor, owners: torch.Tensor, n_components: int) -> tuple[list[float], list[int]]:
    """Summed loss and token count per mixture component."""
    sums, counts = [], []
    for c in range(n_components):
        mine = owners == c
        sums.append(float(per_token[mine].detach().sum()))
        counts.append(int(mine.sum()))
    return sums, counts


def _losses(logits: torch.Tensor, labels: torch.Tensor, comps: torch.Tensor, n_components: int) -> tuple[torch.Tensor, list[float], list[int]]:
    """Mean loss over labelled tokens, plus summed loss and token count per component."""
    logits = logits[:, :-1].float()  # (B, T-1, V): position t predicts token t + 1
    targets = labels[:, 1:]
    owners = comps[:, 1:]
    per_token = torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE, reduction="none"
    ).view_as(targets)
    valid = targets != IGNORE
    sums, counts = _component_losses(per_token[valid], owners[valid], n_components)
    return per_token[valid].mean(), sums, counts


def _fused_losses(hidden: torch.Tensor, head_weight: torch.Tensor, labels: torch.Tensor, comps: torch.Tensor,
                  n_components: int, chunk: int = 256) -> tuple[torch.Tensor, list[float], list[int]]:
    """As `_losses`, from the last hidden state: logits only for labelled positions, a chunk at a time."""
    targets = labels[:, 1:]
    valid = targets != IGNORE
    per_token = _ChunkedHeadLoss.apply(hidden[:, :-1][valid], head_weight, targets[valid], chunk)
    sums, counts = _component_losses(per_token, comps[:, 1:][valid], n_components)
    return per_token.mean(), sums, counts


def save_adapter(model: PeftModel, target: Path) -> None:
    """Save the adapter atomically, its config with sorted keys and target modules (peft keeps a set)."""

    def write(folder: Path) -> None:
        model.save_pretrained(folder)
        config_path = folder / "adapter_config.json"
        config = json.loads(config_path.read_text())
        if isinstance(config.get("target_modules"), list):
            config["target_modules"] = sorted(config["target_modules"])
        config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")

    save_folder(target, write)


def _lora_job(base_dir: str | Path, names: Sequence[str], lora: LoraSettings, run: RunSettings, total: int,
              device: torch.device, autocast: torch.dtype | None) -> Job:
    model = lora_model(base_dir, lora, device)
    dropout = apply_speedups(model, run.speedups, device, run.seed)
    fused = run.speedups.fused_loss and fused_loss_supported(model)
    if fused:
        head_weight = model.get_base_model().get_output_embeddings().weight.detach().to(autocast or torch.float32)
        trunk = model.get_base_model().base_model
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=run.lr, weight_decay=run.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, round(run.warmup_ratio * total), total)

    def forward(batch: StepBatch) -> torch.Tensor:
        if dropout is not None:
            dropout.at_step(batch.step)
        if fused:
            return trunk(input_ids=batch.input_ids, attention_mask=batch.attention).last_hidden_state
        return model(input_ids=batch.input_ids, attention_mask=batch.attention).logits

    def loss(output: torch.Tensor, batch: StepBatch) -> tuple[torch.Tensor, dict]:
        if fused:
            mean, sums, counts = _fused_losses(output, head_weight, batch.labels, batch.component_ids, len(names))
        else:
            mean, sums, counts = _losses(output, batch.labels, batch.component_ids, len(names))
        per_component = {f"loss_{n}": round(s / c, 5) for n, s, c in zip(names, sums, counts) if c}
        return mean, {"loss_tokens": sum(counts), **per_component}

    return Job(
        model=model, params=params, optimizer=optimizer, scheduler=scheduler, forward=forward, loss=loss,
        save=lambda target: save_adapter(model, target),
        weights=lambda: {k: v.detach().cpu() for k, v in model.state_dict().items() if "lora_" in k},
        load_weights=lambda weights: model.load_state_dict(weights, strict=False),
    )


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
    probe: Callable[[torch.nn.Module], dict] | None = None,
    probe_id: str | None = None,
) -> list[dict]:
    """Train one adapter over `batch_list`; return the per-step log (see `engine.run_training`).

    `fingerprint` identifies the run's inputs; saved state from a run with another fingerprint (or
    another trainer) is discarded rather than resumed. A finished run keeps its adapters and step log
    (`log.json`, no timings) but not its resume state; called again, it returns that log untrained.
    `stop_after` ends the loop early (for resume tests). Entries trained in this call carry `seconds`.
    `probe` adds read-outs to every step's entry; `probe_id` names what it reads (a finished run's log is
    reused only if it was read by the same probe).
    """
    total = len(batch_list)
    settings = {"lora": asdict(lora), "run": asdict(run), **({"probe": probe_id} if probe_id else {})}
    return run_training(
        out_dir, fingerprint=fingerprint, settings=settings, code=[__file__],
        total_steps=total, get_batch=batch_list.__getitem__,
        build=lambda device, autocast: _lora_job(base_dir, names, lora, run, total, device, autocast),
        loop=run.loop(), stop_after=stop_after, on_step=on_step, probe=probe,
    )
