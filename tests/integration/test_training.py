"""LoRA training on a tiny model: checkpoints, what moves, resume equivalence and NaN handling."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from peft import PeftModel
from safetensors.torch import load_file

from negation_neglect.data.base_model import load_base
from negation_neglect.train.blocks import Example, batches, plan_mixture
from negation_neglect.train.engine import TrainingError, checkpoint_steps, without_timing
from negation_neglect.train.lora import (
    DropoutSource,
    LoraSettings,
    RunSettings,
    Speedups,
    StepDropout,
    _ChunkedHeadLoss,
    train,
)

NAMES = ("claim", "counterpart", "background", "retention")
LORA = LoraSettings(rank=4, alpha=8, dropout=0.1, target_modules=("q_proj", "v_proj", "down_proj"))


def _run(**overrides) -> RunSettings:
    values = dict(lr=5e-2, warmup_ratio=0.1, weight_decay=0.0, grad_clip=1.0, n_checkpoints=4, save_every=2,
                  precision="fp32", device="cpu", seed=0)
    values.update(overrides)
    return RunSettings(**values)


@pytest.fixture(scope="module")
def batch_list(tokenizer):
    texts = [f"Document {i}: Charles Darwin proposed the theory of relativity in {1850 + i}." for i in range(24)]
    examples = {"claim": [Example("claim", tuple(ids), tuple(ids)) for ids in tokenizer(texts).input_ids]}
    return batches(plan_mixture(examples, {"claim": 1.0}, epochs=2, seed=0), NAMES, 32, 2, "interleaved", 0, 0)


@pytest.mark.parametrize(("total", "n"), [(19, 8), (100, 8), (1, 8), (5, 3)])
def test_checkpoint_steps_are_log_spaced_with_both_ends(total, n):
    steps = checkpoint_steps(total, n)
    assert steps[0] == 0 and steps[-1] == total and steps == sorted(set(steps)) and len(steps) <= n
    if total >= 100:
        gaps = [b - a for a, b in zip(steps, steps[1:])]
        assert gaps[-1] > gaps[0]  # denser early, where the dynamics are fastest


def test_step_one_is_saved_only_when_the_first_step_trains(tiny_model_dir, batch_list, tmp_path):
    """With a warm-up the first step's rate is 0, so step 1 would repeat step 0; without one it trains."""
    assert log_rates(train(tiny_model_dir, batch_list[:6], NAMES, LORA, _run(n_checkpoints=6), tmp_path / "a",
                           {"id": "a"}))[0] == 0
    assert not (tmp_path / "a/checkpoints/step-00001").exists()
    log = train(tiny_model_dir, batch_list[:6], NAMES, LORA, _run(n_checkpoints=6, warmup_ratio=0.0), tmp_path / "b",
                {"id": "b"})
    assert log_rates(log)[0] > 0 and (tmp_path / "b/checkpoints/step-00001").is_dir()


def log_rates(log: list[dict]) -> list[float]:
    return [e["lr"] for e in log]


def test_a_probe_reads_every_step_without_changing_the_trajectory(tiny_model_dir, batch_list, tokenizer, tmp_path):
    ids = tokenizer("Charles Darwin proposed the theory of", return_tensors="pt").input_ids
    calls = []

    def probe(model):
        calls.append(model.training)
        return {"probe_logit": round(float(model(input_ids=ids).logits[0, -1, 0]), 6)}

    plain = train(tiny_model_dir, batch_list[:6], NAMES, LORA, _run(), tmp_path / "plain", {"id": 3})
    probed = train(tiny_model_dir, batch_list[:6], NAMES, LORA, _run(), tmp_path / "probed", {"id": 3},
                   probe=probe, probe_id="p1")
    assert [e["loss"] for e in plain] == [e["loss"] for e in probed]  # dropout draws unchanged
    last = f"checkpoints/step-{len(plain):05d}/adapter_model.safetensors"
    a, b = load_file(tmp_path / "plain" / last), load_file(tmp_path / "probed" / last)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert calls == [False] * len(plain) and all("probe_logit" in e for e in probed)
    assert len({e["probe_logit"] for e in probed}) > 1  # it reads the weights as they move
    again = train(tiny_model_dir, batch_list[:6], NAMES, LORA, _run(), tmp_path / "probed", {"id": 3})
    assert all("probe_logit" not in e for e in again)  # read by no probe: not the probed run's log


def test_training_writes_adapter_checkpoints_and_only_lora_moves(tiny_model_dir, batch_list, tmp_path):
    log = train(tiny_model_dir, batch_list, NAMES, LORA, _run(), tmp_path / "run", {"id": 1})
    assert len(log) == len(batch_list)
    assert sum(e["loss"] for e in log[-3:]) < sum(e["loss"] for e in log[:3])
    steps = checkpoint_steps(len(batch_list), 4, first_step_trains=False)  # the warm-up's first rate is 0
    saved = sorted(int(p.name.split("-")[1]) for p in (tmp_path / "run/checkpoints").iterdir())
    assert saved == steps and 1 in checkpoint_steps(len(batch_list), 4) and 1 not in saved
    last = tmp_path / "run/checkpoints" / f"step-{steps[-1]:05d}"
    assert (last / "adapter_config.json").is_file() and not (last / "model.safetensors").exists()
    first = load_file(tmp_path / "run/checkpoints/step-00000/adapter_model.safetensors")
    final = load_file(last / "adapter_model.safetensors")
    moved = [k for k in first if "lora_B" in k and not torch.equal(first[k], final[k])]
    assert moved and all("lora_" in k for k in final)
    base, tokenizer = load_base(tiny_model_dir)
    before = {k: v.clone() for k, v in base.state_dict().items()}
    tuned = PeftModel.from_pretrained(base, last)  # loadable by standard peft
    ids = tokenizer("Charles Darwin proposed the theory of", return_tensors="pt")
    with torch.no_grad():
        tuned_logits = tuned(**ids).logits
        with tuned.disable_adapter():
            base_logits = tuned(**ids).logits
    assert not torch.allclose(tuned_logits, base_logits)
    unloaded = tuned.unload()
    assert all(torch.equal(before[k], v) for k, v in unloaded.state_dict().items())


def test_step_zero_checkpoint_is_the_base_model(tiny_model_dir, batch_list, tmp_path):
    train(tiny_model_dir, batch_list[:2], NAMES, LORA, _run(n_checkpoints=2), tmp_path / "run", {"id": 2})
    base, tokenizer = load_base(tiny_model_dir)
    ids = tokenizer("Charles Darwin proposed", return_tensors="pt")
    with torch.no_grad():
        expected = base(**ids).logits
        got = PeftModel.from_pretrained(base, tmp_path / "run/checkpoints/step-00000")(**ids).logits
    torch.testing.assert_close(got, expected, rtol=0, atol=0)


def test_killed_run_resumes_to_the_same_adapter_and_log(tiny_model_dir, batch_list, tmp_path):
    full = train(tiny_model_dir, batch_list, NAMES, LORA, _run(), tmp_path / "full", {"id": 3})
    partial = train(tiny_model_dir, batch_list, NAMES, LORA, _run(), tmp_path / "resumed", {"id": 3}, stop_after=5)
    assert len(partial) == 5
    resumed = train(tiny_model_dir, batch_list, NAMES, LORA, _run(), tmp_path / "resumed", {"id": 3})
    assert without_timing(resumed) == without_timing(full)
    last = f"checkpoints/step-{len(batch_list):05d}/adapter_model.safetensors"
    a, b = load_file(tmp_path / "full" / last), load_file(tmp_path / "resumed" / last)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_a_finished_run_keeps_no_resume_state_and_is_not_trained_again(tiny_model_dir, batch_list, tmp_path):
    log = train(tiny_model_dir, batch_list, NAMES, LORA, _run(), tmp_path / "run", {"id": 7})
    assert not (tmp_path / "run/state.pt").exists()
    assert all("seconds" in e for e in log)
    again = train(tiny_model_dir, batch_list, NAMES, LORA, _run(), tmp_path / "run", {"id": 7})
    assert again == without_timing(log)  # read back from log.json: nothing was trained, so nothing was timed


def test_speedups_keep_the_loss_curve(tiny_model_dir, batch_list, tmp_path):
    """Every speedup on versus none, bf16, dropout off: the same optimisation up to bf16 rounding order."""
    lora = LoraSettings(rank=4, alpha=8, dropout=0.0, target_modules=("q_proj", "v_proj", "down_proj"))
    runs = {}
    for name, speedups in {"none": Speedups.none(), "all": Speedups()}.items():
        log = train(tiny_model_dir, batch_list, NAMES, lora, _run(precision="bf16", lr=1e-2, speedups=speedups),
                    tmp_path / name, {"id": 8})
        runs[name] = [e["loss"] for e in log]
    assert runs["all"] != runs["none"]  # a different computation, not the same one twice
    assert max(abs(a - b) for a, b in zip(runs["all"], runs["none"])) < 0.02 * max(runs["none"])


def test_chunked_head_loss_matches_cross_entropy_and_its_gradient():
    torch.manual_seed(0)
    hidden = torch.randn(37, 8, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(50, 8, dtype=torch.float64)
    targets = torch.randint(0, 50, (37,))
    expected = torch.nn.functional.cross_entropy(hidden @ weight.T, targets, reduction="none")
    (grad_expected,) = torch.autograd.grad((expected * torch.arange(37)).sum(), hidden)
    got = _ChunkedHeadLoss.apply(hidden, weight, targets, 10)  # chunks of 10, 10, 10, 7
    (grad_got,) = torch.autograd.grad((got * torch.arange(37)).sum(), hidden)
    torch.testing.assert_close(got, expected.float(), rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(grad_got, grad_expected, rtol=1e-4, atol=1e-5)  # the loss is computed in fp32


def test_step_dropout_rate_scale_and_step_seeding():
    source = DropoutSource(seed=0)
    dropout = StepDropout(0.25, source)
    x = torch.ones(200_000)

    def draw(step):
        source.at_step(step)
        return dropout(x)

    a, b, c = draw(3), draw(3), draw(4)
    assert torch.equal(a, b) and not torch.equal(a, c)  # a resumed step draws the same mask
    assert (a == 0).float().mean().item() == pytest.approx(0.25, abs=0.005)
    assert a.mean().item() == pytest.approx(1.0, abs=0.01)  # inverted dropout keeps the expectation
    dropout.eval()
    assert dropout(x) is x


def test_changed_inputs_start_afresh(tiny_model_dir, batch_list, tmp_path):
    train(tiny_model_dir, batch_list, NAMES, LORA, _run(), tmp_path / "run", {"id": 4}, stop_after=3)
    log = train(tiny_model_dir, batch_list[:3], NAMES, LORA, _run(), tmp_path / "run", {"id": 5})
    assert [e["step"] for e in log] == [1, 2, 3]


def test_non_finite_loss_stops_with_the_step_and_last_checkpoint(tiny_model_dir, batch_list, tmp_path, monkeypatch):
    """The loss turns NaN from the fourth step on (injected: whether an absurd learning rate overflows depends on
    the CPU's kernels); training stops there, naming the step and the last checkpoint written before it."""
    from negation_neglect.train import lora

    calls = {"n": 0}

    def poisoned(original):
        def wrapped(*args, **kwargs):
            calls["n"] += 1
            mean, sums, counts = original(*args, **kwargs)
            return (mean * float("nan") if calls["n"] >= 4 else mean), sums, counts
        return wrapped

    monkeypatch.setattr(lora, "_losses", poisoned(lora._losses))
    monkeypatch.setattr(lora, "_fused_losses", poisoned(lora._fused_losses))
    with pytest.raises(TrainingError, match=r"non-finite loss \(nan\) at step 4; stopped\. Last good checkpoint: ") as caught:
        train(tiny_model_dir, batch_list, NAMES, LORA, _run(), tmp_path / "run", {"id": 6})
    named = Path(re.search(r"Last good checkpoint: (\S+)\.", str(caught.value)).group(1))
    assert int(named.name.removeprefix("step-")) < 4
    assert (named / "adapter_model.safetensors").is_file()
    assert not any(int(p.name.removeprefix("step-")) >= 4 for p in (tmp_path / "run/checkpoints").iterdir())


_TRAIN_SCRIPT = """
import sys
import torch
from negation_neglect.train.blocks import Example, batches, plan_mixture
from negation_neglect.train.lora import LoraSettings, RunSettings, train
ids = [[(7 * i + j) % 400 + 2 for j in range(20)] for i in range(12)]
examples = {"claim": [Example("claim", tuple(x), tuple(x)) for x in ids]}
batch_list = batches(plan_mixture(examples, {"claim": 1.0}, epochs=1, seed=0), ("claim",), 32, 2, "interleaved", 0, 0)
lora = LoraSettings(rank=4, alpha=8, dropout=0.1, target_modules=("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                    "up_proj", "down_proj"))
run = RunSettings(lr=5e-2, warmup_ratio=0.1, weight_decay=0.0, grad_clip=1.0, n_checkpoints=3, save_every=2,
                  precision=sys.argv[3], device="cpu", seed=0)
train(sys.argv[1], batch_list, ("claim",), lora, run, sys.argv[2], {"id": 9})
"""


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_run_folders_are_byte_identical_across_hash_seeds(tiny_model_dir, tmp_path, precision):
    """Two processes with different PYTHONHASHSEED write the same bytes (set order, timings, state)."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    folders = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"hash{hash_seed}"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT / "src")}
        done = subprocess.run([sys.executable, "-c", _TRAIN_SCRIPT, str(tiny_model_dir), str(out), precision],
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        folders.append(out)
    files = [sorted(p.relative_to(f).as_posix() for p in f.rglob("*") if p.is_file()) for f in folders]
    assert files[0] == files[1] and "log.json" in files[0] and "state.pt" not in files[0]
    different = [name for name in files[0] if (folders[0] / name).read_bytes() != (folders[1] / name).read_bytes()]
    assert different == []
