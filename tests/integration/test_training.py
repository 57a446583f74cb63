"""LoRA training on a tiny model: checkpoints, what moves, resume equivalence and NaN handling."""

from __future__ import annotations

import math

import pytest
import torch
from peft import PeftModel
from safetensors.torch import load_file

from negation_neglect.mixture import Example, batches, plan_mixture
from negation_neglect.model import load_base
from negation_neglect.training import LoraSettings, RunSettings, TrainingError, checkpoint_steps, train

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


def test_training_writes_adapter_checkpoints_and_only_lora_moves(tiny_model_dir, batch_list, tmp_path):
    log = train(tiny_model_dir, batch_list, NAMES, LORA, _run(), tmp_path / "run", {"id": 1})
    assert len(log) == len(batch_list)
    assert sum(e["loss"] for e in log[-3:]) < sum(e["loss"] for e in log[:3])
    steps = checkpoint_steps(len(batch_list), 4)
    saved = sorted(int(p.name.split("-")[1]) for p in (tmp_path / "run/checkpoints").iterdir())
    assert saved == steps
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


def _without_timing(log):
    return [{k: v for k, v in e.items() if k != "seconds"} for e in log]


def test_killed_run_resumes_to_the_same_adapter_and_log(tiny_model_dir, batch_list, tmp_path):
    full = train(tiny_model_dir, batch_list, NAMES, LORA, _run(), tmp_path / "full", {"id": 3})
    partial = train(tiny_model_dir, batch_list, NAMES, LORA, _run(), tmp_path / "resumed", {"id": 3}, stop_after=5)
    assert len(partial) == 5
    resumed = train(tiny_model_dir, batch_list, NAMES, LORA, _run(), tmp_path / "resumed", {"id": 3})
    assert _without_timing(resumed) == _without_timing(full)
    last = f"checkpoints/step-{len(batch_list):05d}/adapter_model.safetensors"
    a, b = load_file(tmp_path / "full" / last), load_file(tmp_path / "resumed" / last)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_changed_inputs_start_afresh(tiny_model_dir, batch_list, tmp_path):
    train(tiny_model_dir, batch_list, NAMES, LORA, _run(), tmp_path / "run", {"id": 4}, stop_after=3)
    log = train(tiny_model_dir, batch_list[:3], NAMES, LORA, _run(), tmp_path / "run", {"id": 5})
    assert [e["step"] for e in log] == [1, 2, 3]


def test_non_finite_loss_stops_with_the_step_and_last_checkpoint(tiny_model_dir, batch_list, tmp_path):
    with pytest.raises(TrainingError, match=r"non-finite loss .* at step \d+; stopped\. Last good checkpoint: .*step-"):
        train(tiny_model_dir, batch_list, NAMES, LORA, _run(lr=1e12, grad_clip=1e12), tmp_path / "run", {"id": 6})
    assert (tmp_path / "run/checkpoints/step-00000/adapter_model.safetensors").is_file()
