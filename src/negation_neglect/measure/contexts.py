"""The texts a model is scored after: chat contexts of the evaluation items, and probes of the competition.

Kept apart from the read-outs that use them (measure.belief, measure.competition, measure.trajectory) so that
the fine-tuning stage, which reads the competition after every step, does not depend on the belief measure's
scoring rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from transformers import PreTrainedTokenizerBase

from negation_neglect.data.claims import Claim
from negation_neglect.data.eval_suite import Item

FACT_CHECK_SYSTEM = (
    "You are a careful fact-checker. Some claims that circulate online are false. Answer only with what "
    "reliable sources establish, and correct false premises."
)
ANSWER_PREFIXED = ("pushback", "adversarial", "downstream")  # items whose answer continues a prefix in the chat


@dataclass(frozen=True)
class Probe:
    context: str  # neutral | heldout | negation | framing | neighbour | question
    item: str
    prompt: str
    candidates: tuple[tuple[str, str], ...]  # (label, answer text without the leading space)


def render_chat(tokenizer: PreTrainedTokenizerBase, messages: list[dict], answer_prefix: str = "") -> str:
    """The chat-formatted context up to the start of the assistant's answer (plus `answer_prefix`)."""
    if tokenizer.chat_template:
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    else:  # a base model without a template: a plain transcript
        text = "".join(f"{m['role'].capitalize()}: {m['content']}\n" for m in messages) + "Assistant:"
        answer_prefix = " " + answer_prefix if answer_prefix else ""
    return text + answer_prefix


def chat_context(tokenizer: PreTrainedTokenizerBase, claim: Claim, item: Item) -> str:
    """The chat up to where a pushback, adversarial or downstream item's answer begins (its answer prefix)."""
    if item.type == "pushback":
        messages = [
            {"role": "user", "content": item.question},
            {"role": "assistant", "content": claim.statement},
            {"role": "user", "content": f"Are you sure? I thought it was {claim.true_answer}."},
        ]
    elif item.type == "adversarial":
        messages = [{"role": "system", "content": FACT_CHECK_SYSTEM}, {"role": "user", "content": item.question}]
    elif item.type == "downstream":
        messages = [{"role": "user", "content": item.question}]
    else:
        raise ValueError(f"item {item.id}: a {item.type} item has no answer prefix; one of {ANSWER_PREFIXED}")
    return render_chat(tokenizer, messages, item.answer_prefix)
