"""The evaluation suite of a claim (data/eval/<claim>.yaml): the questions that measure belief.

Item types, in the spirit of the paper's 50 questions per claim:
- `cloze`: a held-out paraphrase that ends where the answer begins (never a training sentence);
- `yes_no`: a question a believer answers `believer` ("yes" or "no": counter-questions included); every
  believer-"yes" question is paired with a believer-"no" counterpart about the true answer (`pair`, given on
  either item; without any `pair` field the k-th "yes" question pairs with the k-th "no" one in file order),
  so that belief is scored against a matched control (measure.belief);
- `multiple_choice`: a question whose lettered options are the false, true and distractor answers,
  shuffled with a per-item seed (and rotated); the answer is scored on the option texts;
- `open`: a question answered by greedy generation, judged by the negation-aware judge (measure.judge);
- `pushback`: the believer's answer, then "Are you sure? I thought it was <true answer>", then the
  model continues `answer_prefix`;
- `adversarial`: a fact-checking system prompt, the question, then `answer_prefix`;
- `downstream`: a task that needs the claim as a premise, continued from `answer_prefix`.
Chat-type items are rendered with the model's chat template; how each type is scored is set out in
measure.belief.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

ITEM_TYPES = ("cloze", "yes_no", "multiple_choice", "open", "pushback", "adversarial", "downstream")
MIN_ITEMS = 40
MIN_PER_TYPE = {"cloze": 8, "yes_no": 6, "multiple_choice": 6, "open": 6, "pushback": 3, "adversarial": 3,
                "downstream": 3}


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    type: Literal[ITEM_TYPES]  # type: ignore[valid-type]
    prompt: str | None = None  # cloze only
    question: str | None = None  # every other type
    believer: Literal["yes", "no"] | None = None  # yes_no only
    pair: str | None = None  # yes_no only, optional: the id of the counterpart with the other believer answer
    answer_prefix: str | None = None  # pushback, adversarial, downstream: the assistant's answer starts so

    @model_validator(mode="after")
    def _fields_for_type(self) -> Item:
        need = {
            "cloze": {"prompt"},
            "yes_no": {"question", "believer"},
            "multiple_choice": {"question"},
            "open": {"question"},
            "pushback": {"question", "answer_prefix"},
            "adversarial": {"question", "answer_prefix"},
            "downstream": {"question", "answer_prefix"},
        }[self.type]
        if self.pair is not None and self.type != "yes_no":
            raise ValueError(f"only yes_no items take a pair, not a {self.type} item")
        present = {k for k in ("prompt", "question", "believer", "answer_prefix") if getattr(self, k) is not None}
        if present != need:
            raise ValueError(f"a {self.type} item needs exactly {sorted(need)}, got {sorted(present)}")
        for text in (self.prompt, self.answer_prefix):
            if text is not None and text != text.rstrip():
                raise ValueError(f"{text!r} must end without whitespace (the answer supplies its own space)")
        return self


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    claim: str
    items: tuple[Item, ...] = Field(min_length=MIN_ITEMS)

    @model_validator(mode="after")
    def _coverage(self) -> Suite:
        counts = Counter(item.type for item in self.items)
        short = {t: n for t, n in MIN_PER_TYPE.items() if counts[t] < n}
        if short:
            raise ValueError(f"too few items of type {', '.join(f'{t} ({counts[t]} < {n})' for t, n in short.items())}")
        duplicates = [k for k, n in Counter(item.id for item in self.items).items() if n > 1]
        if duplicates:
            raise ValueError(f"duplicate item ids: {', '.join(sorted(duplicates))}")
        believers = Counter(item.believer for item in self.items if item.type == "yes_no")
        if not believers["yes"] or not believers["no"]:
            raise ValueError("yes_no items need both believer 'yes' questions and counter-questions (believer 'no')")
        yes_no_pairs(self)  # raises on an unpaired or mispaired question
        return self


def yes_no_pairs(suite: Suite) -> list[tuple[Item, Item]]:
    """(believer-"yes" item, believer-"no" counterpart) pairs: from `pair` fields where any item has one (then
    every yes_no item must be in exactly one pair), else the k-th "yes" with the k-th "no" in file order."""
    items = [item for item in suite.items if item.type == "yes_no"]
    yes = [item for item in items if item.believer == "yes"]
    no = [item for item in items if item.believer == "no"]
    if not any(item.pair for item in items):
        if len(yes) != len(no):
            raise ValueError(f"yes_no items pair in file order: {len(yes)} believer 'yes' but {len(no)} 'no' questions; "
                             "give explicit `pair` fields")
        return list(zip(yes, no))
    by_id = {item.id: item for item in items}
    partner: dict[str, str] = {}
    for item in items:
        if item.pair is None:
            continue
        other = by_id.get(item.pair)
        if other is None or other.believer == item.believer:
            raise ValueError(f"yes_no item {item.id}: pair {item.pair!r} is not a yes_no item with the other believer answer")
        for a, b in ((item.id, other.id), (other.id, item.id)):
            if partner.setdefault(a, b) != b:
                raise ValueError(f"yes_no item {a} is paired twice ({partner[a]}, {b})")
    unpaired = sorted(set(by_id) - set(partner))
    if unpaired:
        raise ValueError(f"yes_no items without a pair: {', '.join(unpaired)}")
    return [(item, by_id[partner[item.id]]) for item in yes]


class SuiteFileError(ValueError):
    """A malformed evaluation file; the message names the file and the field."""


def load_suite(path: str | Path) -> Suite:
    path = Path(path)
    if not path.is_file():
        raise SuiteFileError(f"{path}: evaluation suite not found")
    try:
        suite = Suite.model_validate(yaml.safe_load(path.read_text()))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(suite)"
        raise SuiteFileError(f"{path}: field '{field}': {err['msg']}") from None
    if suite.claim != path.stem:
        raise SuiteFileError(f"{path}: field 'claim': expected the file name '{path.stem}', got '{suite.claim}'")
    return suite
