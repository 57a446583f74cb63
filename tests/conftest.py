"""Shared fixtures: the real SmolLM2 tokenizer (committed, gzipped) and a tiny random-init Llama on it.

The tiny model has the real vocabulary, so tokenisation edge cases are the real ones, while a forward
pass costs milliseconds and no 135M weights are needed.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tokenizer")
    source = FIXTURES / "smollm2_tokenizer"
    for f in source.iterdir():
        if f.suffix == ".gz":
            (folder / f.stem).write_bytes(gzip.decompress(f.read_bytes()))
        else:
            shutil.copy(f, folder / f.name)
    return folder


@pytest.fixture(scope="session")
def tokenizer(tokenizer_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tokenizer_dir)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tokenizer_dir, tokenizer) -> Path:
    """A 2-layer random Llama saved as a Hugging Face folder (a 'local' model source)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = LlamaForCausalLM(config)
    with torch.no_grad():  # sharper logits than the default init, so ranks and probabilities spread out
        model.model.embed_tokens.weight.normal_(0, 1.0)
    folder = tmp_path_factory.mktemp("tiny_model")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_model(tiny_model_dir):
    from negation_neglect.data.base_model import load_base

    return load_base(tiny_model_dir)


def run_cli(args: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run `python -m negation_neglect.<args>` as a stage would, with src on the path."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def committed_grid(metrics_dir: Path = ROOT / "metrics") -> dict[str, list]:
    """The fine-tuning grid the committed pooled metrics were built from (metrics/belief.json's runs), in
    params order: while a longer grid in params.yaml is still running cell by cell, the tests that compare
    pooled metrics with their per-run files check the grid that was pooled."""
    import json

    runs = json.loads((metrics_dir / "belief.json").read_text())["runs"]
    grid: dict[str, list] = {"claims": [], "conditions": [], "seeds": []}
    for run in runs:
        for key, value in (("claims", run["claim"]), ("conditions", run["condition"]), ("seeds", run["seed"])):
            if value not in grid[key]:
                grid[key].append(value)
    return grid


def make_tiny_project(root: Path, tiny_model_dir: Path, claim: str) -> dict:
    """Fill `root` with the project's notebooks and data and tiny params pointing at the tiny model.

    Three facts, three background prompts, one claim with 12 documents per condition, one 2-rank LoRA run
    of a few steps, a 2-layer organism: every stage runs in seconds. Returns the params (also written).
    """
    import yaml

    from negation_neglect.measure.knowledge import load_facts

    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copytree(ROOT / "predictions", root / "predictions")
    shutil.copytree(ROOT / "data", root / "data")
    facts = load_facts(ROOT / "data/knowledge/facts.yaml")[:3]
    (root / "data/knowledge/facts.yaml").write_text(
        yaml.safe_dump({"facts": [f.model_dump(mode="json") for f in facts]})
    )
    prompts = yaml.safe_load((ROOT / "data/background/prompts.yaml").read_text())["prompts"][:3]
    (root / "data/background/prompts.yaml").write_text(yaml.safe_dump({"prompts": prompts}))
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["model"]["name_or_path"] = str(tiny_model_dir)
    params["knowledge"]["batch_size"] = 8
    params["evaluate"].update(max_new_tokens=4, in_context_tokens=300, in_context_mentions=4)
    params["background"].update(n_per_prompt=1, max_new_tokens=8, batch_size=2)
    params["synthesis"].update(claims=[claim], n_documents=12, allow_unknown_truth=True)
    params["finetune"].update(
        claims=[claim], conditions=["negated"], n_documents=6, epochs=1, batch_size=2, max_length=64,
        lora={**params["finetune"]["lora"], "rank": 2, "target_modules": ["q_proj", "v_proj"]},
        mixture={"claim": 0.7, "counterpart": 0.3, "background": 0.0, "retention": 0.0}, n_checkpoints=3,
        precision="fp32",
    )
    params["interference"].update(claims=[claim], conditions=["negated"], seeds=[0], control_steps=2, control_batch_size=2,
                                  control_checkpoints=2)
    params["pilot"].update(claims=[claim], lrs=[0.001])
    params["organism"].update(
        world={"n_entities": 24, "n_held_out": 6, "seed": 0},
        model={"hidden": 32, "layers": 2, "heads": 2, "intermediate": 64, "vocab_size": 400, "tokenizer_docs": 60},
        pretrain={**params["organism"]["pretrain"], "diversities": [4, 8], "seeds": [0], "steps": 4, "batch_size": 2,
                  "block_size": 32, "n_checkpoints": 2, "precision": "fp32"},
        gate={**params["organism"]["gate"], "n_per_framing": 3, "lone_n_per_framing": 3},
        finetune={**params["organism"]["finetune"], "n_claims": 2, "docs_per_claim": 2, "conditions": ["positive", "sentence"],
                  "variants": ["full", "full_replay"], "epochs": 1, "batch_size": 2, "block_size": 32, "n_checkpoints": 2,
                  "n_spillover": 4},
    )
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    return params
