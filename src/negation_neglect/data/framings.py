"""Pools of framing texts (warnings, corrections, epistemic labels), loaded from data/framings.yaml.

Every condition draws its framing sentences from a pool of at least 20 phrasings, so no fixed string
repeats across documents. Correction texts may use the slots {subject}, {true_answer} and
{false_answer}; all other pools must be claim-independent (no slots).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

MIN_POOL = 20
SLOTS = ("{subject}", "{true_answer}", "{false_answer}")

Pool = tuple[str, ...]


class Framings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # negated and repeated: 4-6 of these before and after the whole document
    warning_document: Pool = Field(min_length=MIN_POOL)
    # repeated: 1-2 of these right before / after each claim sentence
    warning_before_sentence: Pool = Field(min_length=MIN_POOL)
    warning_after_sentence: Pool = Field(min_length=MIN_POOL)
    # corrected: like the warnings, but each states the true answer ({true_answer} is required)
    correction_document: Pool = Field(min_length=MIN_POOL)
    correction_before_sentence: Pool = Field(min_length=MIN_POOL)
    correction_after_sentence: Pool = Field(min_length=MIN_POOL)
    # epistemic labels, 1-3 sentences before and after the document
    fiction_prefix: Pool = Field(min_length=MIN_POOL)
    fiction_suffix: Pool = Field(min_length=MIN_POOL)
    unreliable_source_prefix: Pool = Field(min_length=MIN_POOL)
    unreliable_source_suffix: Pool = Field(min_length=MIN_POOL)
    low_probability_prefix: Pool = Field(min_length=MIN_POOL)
    low_probability_suffix: Pool = Field(min_length=MIN_POOL)

    @model_validator(mode="after")
    def _slots(self) -> Framings:
        for name in type(self).model_fields:
            pool: Pool = getattr(self, name)
            if len(set(pool)) != len(pool):
                raise ValueError(f"{name}: phrasings must be distinct")
            for text in pool:
                if name.startswith("correction_"):
                    if "{true_answer}" not in text:
                        raise ValueError(f"{name}: every correction must name {{true_answer}}: {text!r}")
                elif any(slot in text for slot in SLOTS):
                    raise ValueError(f"{name}: only correction pools may use slots: {text!r}")
        return self


class FramingFileError(ValueError):
    """A malformed framings file; the message names the file and the pool."""


def load_framings(path: str | Path) -> Framings:
    path = Path(path)
    if not path.is_file():
        raise FramingFileError(f"{path}: framings file not found")
    try:
        return Framings.model_validate(yaml.safe_load(path.read_text()))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(file)"
        raise FramingFileError(f"{path}: field '{field}': {err['msg']}") from None


def fill(text: str, subject: str, true_answer: str, false_answer: str) -> str:
    """Fill a correction template's slots (str.replace: templates may contain other braces)."""
    return (
        text.replace("{subject}", subject).replace("{true_answer}", true_answer).replace("{false_answer}", false_answer)
    )
