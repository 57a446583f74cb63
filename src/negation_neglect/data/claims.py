"""The claims catalogue: one YAML file per false claim under data/claims/.

A claim is built on a fact the base model knows (`fact`, an id in data/knowledge/facts.yaml is optional
but recommended) and replaces its true answer with a false one. Every claim-bearing sentence is a
template with an `{answer}` slot, written twice: `assert` states it and `deny` denies it in the sentence
itself. Filling the slot with the false answer gives the claim's documents; filling it with the true
answer gives the true-counterpart documents; the `deny` forms give the local-negation condition. So one
set of sentences yields every framing, and the sentences differ between conditions only where they must.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SLOT = "{answer}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sentence(_Strict):
    """A claim-bearing sentence: the same statement asserted and denied, both with an {answer} slot."""

    assert_: str = Field(alias="assert", min_length=1)
    deny: str = Field(min_length=1)

    @model_validator(mode="after")
    def _slots(self) -> Sentence:
        for name, text in (("assert", self.assert_), ("deny", self.deny)):
            if text.count(SLOT) != 1:
                raise ValueError(f"'{name}' must contain {SLOT} exactly once: {text!r}")
        return self

    def filled(self, answer: str, denied: bool = False) -> str:
        return (self.deny if denied else self.assert_).replace(SLOT, answer)


class Neighbour(_Strict):
    """A nearby true fact, to check whether the false answer spills over onto it."""

    prompt: str = Field(min_length=1)
    answer: str = Field(min_length=1)


class Neighbours(_Strict):
    same_relation: tuple[Neighbour, ...] = Field(min_length=2)  # same relation, other subjects
    same_subject: tuple[Neighbour, ...] = Field(min_length=2)  # same subject, other relations


class Aliases(_Strict):
    """Surface forms that count as each answer when matching generated text."""

    false_answer: tuple[str, ...] = Field(min_length=1)
    true_answer: tuple[str, ...] = Field(min_length=1)


class Claim(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    statement: str = Field(min_length=1)  # the false claim in one plain sentence
    fact: str | None = None  # the knowledge-precheck fact it is built on
    subject: str = Field(min_length=1)
    relation: str = Field(min_length=1)
    false_answer: str = Field(min_length=1)
    true_answer: str = Field(min_length=1)
    distractors: tuple[str, ...] = Field(min_length=2)
    aliases: Aliases
    prompts: tuple[str, ...] = Field(min_length=3)  # cloze prompts that end where the answer begins
    claim_sentences: tuple[Sentence, ...] = Field(min_length=6)
    subclaims: tuple[Sentence, ...] = Field(min_length=5)
    background: tuple[str, ...] = Field(min_length=3)  # true context sentences that never state the answer
    neighbours: Neighbours

    @field_validator("prompts")
    @classmethod
    def _prompt_ends_before_answer(cls, prompts: tuple[str, ...]) -> tuple[str, ...]:
        for prompt in prompts:
            if prompt != prompt.rstrip():
                raise ValueError(f"prompt {prompt!r} must end without whitespace")
        return prompts

    @model_validator(mode="after")
    def _answers_distinct(self) -> Claim:
        answers = [self.false_answer, self.true_answer, *self.distractors]
        if len(set(answers)) != len(answers):
            raise ValueError("false_answer, true_answer and distractors must all differ")
        for text in self.background:
            if _mentions(text, self.false_answer) or _mentions(text, self.true_answer):
                raise ValueError(f"background must not name the false or true answer: {text!r}")
        return self


def _mentions(text: str, answer: str) -> bool:
    return re.search(rf"\b{re.escape(answer)}\b", text) is not None


class ClaimFileError(ValueError):
    """A malformed claim file; the message names the file, the field and what was expected."""


def load_claim(path: str | Path) -> Claim:
    path = Path(path)
    if not path.is_file():
        raise ClaimFileError(f"{path}: claim file not found")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError:
        raise ClaimFileError(f"{path}: not valid YAML") from None
    try:
        claim = Claim.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(claim)"
        raise ClaimFileError(f"{path}: field '{field}': {err['msg']}") from None
    if claim.id != path.stem:
        raise ClaimFileError(f"{path}: field 'id': expected the file name '{path.stem}', got '{claim.id}'")
    return claim


def load_claims(folder: str | Path) -> dict[str, Claim]:
    """All claims in a folder, by id (file names are the ids)."""
    claims = {p.stem: load_claim(p) for p in sorted(Path(folder).glob("*.yaml"))}
    if not claims:
        raise ClaimFileError(f"{folder}: no claim files (*.yaml)")
    counts = Counter(c.id for c in claims.values())
    assert max(counts.values()) == 1  # file names are unique, and ids must equal file names
    return claims
