"""The background text pool: the base model's own answers to everyday requests.

Stands in for diverse pre-training text in the training mixtures (the paper mixed in the model's own
chat outputs for the same purpose), and needs no download. Sampling is seeded per batch, and finished
batches are appended to a `.partial` file, so a killed run resumes where it stopped and ends with the
same bytes as an uninterrupted one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
import yaml
from tqdm import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase


def load_prompts(path: str | Path) -> list[str]:
    raw = yaml.safe_load(Path(path).read_text())
    prompts = raw.get("prompts") if isinstance(raw, dict) else None
    if not isinstance(prompts, list) or not prompts or not all(isinstance(p, str) and p.strip() for p in prompts):
        raise ValueError(f"{path}: expected a non-empty list of strings under 'prompts'")
    return prompts


def _chat_inputs(tokenizer: PreTrainedTokenizerBase, prompts: list[str]) -> dict[str, torch.Tensor]:
    texts = [
        tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True)
        if tokenizer.chat_template
        else p
        for p in prompts
    ]
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"  # generation continues from the right edge
    try:
        return tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    finally:
        tokenizer.padding_side = side


@torch.no_grad()
def generate_pool(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str],
    out_path: str | Path,
    n_per_prompt: int,
    max_new_tokens: int,
    temperature: float,
    top_p: float,
    batch_size: int,
    seed: int,
) -> list[dict]:
    """Sample `n_per_prompt` answers per prompt into `out_path` (JSONL); resume from `<out>.partial`."""
    out_path = Path(out_path)
    partial = out_path.with_name(out_path.name + ".partial")
    jobs = [(p_index, k) for k in range(n_per_prompt) for p_index in range(len(prompts))]
    batches = [jobs[i : i + batch_size] for i in range(0, len(jobs), batch_size)]
    done = []
    for line in partial.read_text().splitlines() if partial.exists() else []:
        try:
            json.loads(line)
        except json.JSONDecodeError:  # a line torn by a kill
            break
        done.append(line)
    start = len(done) // batch_size  # resume from the last complete batch
    done = done[: start * batch_size]
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_text("".join(line + "\n" for line in done))
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    for b_index in tqdm(range(start, len(batches)), desc="background", initial=start, total=len(batches)):
        batch = batches[b_index]
        inputs = _chat_inputs(tokenizer, [prompts[p] for p, _ in batch])
        torch.manual_seed(seed * 1_000_003 + b_index)  # per-batch seed: resuming reproduces the same samples
        generated = model.generate(
            **inputs.to(model.device),
            do_sample=True,
            temperature=temperature,
            top_p=top_p,
            max_new_tokens=max_new_tokens,
            pad_token_id=pad_id,
        )
        new_tokens = generated[:, inputs["input_ids"].shape[1] :]
        with open(partial, "a") as handle:
            for (p_index, k), row in zip(batch, new_tokens):
                text = tokenizer.decode(row, skip_special_tokens=True).strip()
                record = {"id": f"background-{p_index:04d}-{k:02d}", "prompt": prompts[p_index], "text": text}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(partial, out_path)
    return [json.loads(line) for line in out_path.read_text().splitlines()]
