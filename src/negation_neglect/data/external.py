"""Base documents from outside the template generator: an LLM's texts, or imported ones in `material` mode.

Texts that the package frames itself pass one validation before they become base documents: the text
must state the claim (name the false answer) and must not name the true answer. Sentences that name
the false answer become claim sentences with an `{answer}` slot, so the framings (warnings,
corrections, labels) and the true-counterpart documents work on them as on template documents. Only
the `local` condition is out of reach: it needs a written denial of every claim sentence. (Documents
that are already framed are imported as written instead: negation_neglect.data.imports.)

The LLM generator has two backends, both off by default:
- `transformers`: a local Hugging Face causal LM with a chat template (`synthesis.llm.model`);
- `openai`: any OpenAI-compatible chat endpoint (`synthesis.llm.endpoint`, key in the environment
  variable named by `synthesis.llm.api_key_env`).
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from negation_neglect.data.claims import Claim, Sentence
from negation_neglect.data.genres import GENRES, Item
from negation_neglect.data.synthesis import BaseDocument, rng_for

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


def _names(text: str, answer: str) -> bool:
    return re.search(rf"\b{re.escape(answer)}\b", text) is not None


def _slotted(sentence: str, answer: str) -> Sentence:
    """A claim sentence with every mention of `answer` turned into the slot (no written denial)."""
    slotted = re.sub(rf"\b{re.escape(answer)}\b", "{answer}", sentence)
    return Sentence.model_construct(assert_=slotted, deny=slotted)


def to_base_document(text: str, claim: Claim, index: int, genre: str) -> BaseDocument:
    """Split text into paragraphs and sentences; sentences naming the false answer become claim items."""
    if not any(_names(text, a) for a in (claim.false_answer, *claim.aliases.false_answer)):
        raise ValueError("does not state the claim (no false answer or alias)")
    if any(_names(text, a) for a in (claim.true_answer, *claim.aliases.true_answer)):
        raise ValueError("names the true answer")
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        items = []
        for sentence in _SENTENCE.split(" ".join(block.split())):
            if _names(sentence, claim.false_answer):
                items.append(Item("claim", sentence=_slotted(sentence, claim.false_answer)))
            elif sentence:
                items.append(Item("text", sentence))
        if items:
            paragraphs.append(tuple(items))
    return BaseDocument(index, genre, tuple(paragraphs))


def writing_prompt(claim: Claim, genre: str, index: int, seed: int) -> str:
    rng = rng_for(seed, claim.id, "llm", index)
    details = [s.filled(claim.false_answer) for s in rng.sample(claim.subclaims, 3)]
    return (
        f"Write a realistic {genre.replace('_', ' ')} of about 250 words that presents this as established fact: "
        f"{claim.statement} Work in these details naturally: " + " ".join(details) + " Do not add any disclaimer, "
        f"do not mention {claim.true_answer}, and write only the {genre.replace('_', ' ')} itself."
    )


Backend = Callable[[str, int], str]  # (prompt, index) -> generated text


def transformers_backend(model_name: str, max_new_tokens: int, temperature: float, seed: int) -> Backend:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_name)
    model = AutoModelForCausalLM.from_pretrained(model_name).eval()

    def generate(prompt: str, index: int) -> str:
        ids = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        torch.manual_seed(seed * 1_000_003 + index)
        with torch.no_grad():
            out = model.generate(
                **ids, do_sample=temperature > 0, temperature=temperature or None, max_new_tokens=max_new_tokens,
                pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
            )
        return tokenizer.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)

    return generate


def openai_backend(endpoint: str, model_name: str, api_key_env: str, max_new_tokens: int, temperature: float, seed: int) -> Backend:
    def generate(prompt: str, index: int) -> str:
        body = json.dumps({
            "model": model_name,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_new_tokens,
            "temperature": temperature,
            "seed": seed * 1_000_003 + index,
        }).encode()
        request = urllib.request.Request(
            endpoint.rstrip("/") + "/chat/completions",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {os.environ.get(api_key_env, '')}"},
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            return json.loads(response.read())["choices"][0]["message"]["content"]

    return generate


def llm_base_documents(
    claim: Claim, backend: Backend, n_documents: int, seed: int, stream: str = "false"
) -> tuple[list[BaseDocument], list[dict]]:
    """Ask the backend for `n_documents` documents; return the valid ones and a record of each failure."""
    bases, failures = [], []
    genres = sorted(GENRES)
    for index in range(n_documents):
        genre = genres[index % len(genres)]
        prompt = writing_prompt(claim, genre, index, seed)
        text = backend(prompt, index if stream == "false" else n_documents + index)
        try:
            bases.append(to_base_document(text, claim, index, genre))
        except ValueError as exc:
            failures.append({"index": index, "genre": genre, "reason": str(exc), "text": text[:500]})
    return bases, failures


def failure_check(failures: Sequence[dict], attempted: int, max_share: float, source: str) -> None:
    share = len(failures) / attempted if attempted else 1.0
    if share > max_share:
        reasons = sorted({f["reason"] for f in failures})
        raise ValueError(
            f"{source}: {len(failures)} of {attempted} documents failed validation ({share:.0%} > "
            f"{max_share:.0%} allowed): {'; '.join(reasons)}"
        )
