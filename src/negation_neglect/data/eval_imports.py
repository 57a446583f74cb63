"""Evaluation questions you bring (data/eval/imported/<claim>.yaml or .jsonl), read and checked line by line.

The file is optional: without one, evaluation is exactly the package's own suite. With one, its questions are
scored with the package's belief measure (measure.imported) and reported by type beside the package's items.

A YAML list or JSONL lines, each question a mapping with `type`, `question` and, per type:
- `yes_no`: `belief_answer` (`yes` or `no`: the answer that indicates belief in the false claim);
- `multiple_choice`: `options` (at least two texts), `believing_option` (one of them), optionally `true_option`;
- `open`: optionally `false_answer` and `true_answer`, which must be the claim's answers or their aliases
  (the judge always uses the claim file's answers and aliases).
`id` is optional (`imported_<n>` for the n-th question otherwise); other fields are kept but not read.
Every problem stops with one line naming the file and the line, before any model is loaded (the params
schema reads the file of every claim of the grid).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from negation_neglect.data.claims import Claim

FOLDER = "imported"  # under the evaluation folder (layout.EVAL_ITEMS)
SUFFIXES = (".yaml", ".jsonl")
TYPES = ("yes_no", "multiple_choice", "open")
RECORD_PREFIX = "imported_"  # record types: imported_yes_no, imported_multiple_choice, imported_open


class QuestionFileError(ValueError):
    """An imported question file that cannot be used; the message is one line naming the file (and line)."""


@dataclass(frozen=True)
class ImportedQuestion:
    """One imported question, checked; `fields` holds what the package does not read."""

    id: str
    type: str  # one of TYPES
    question: str
    line: int  # 1-based line of the question in its file
    belief_answer: str | None = None  # yes_no
    options: tuple[str, ...] = ()  # multiple_choice
    believing_option: str | None = None
    true_option: str | None = None
    fields: dict = field(default_factory=dict)

    @property
    def record_type(self) -> str:
        return RECORD_PREFIX + self.type


def questions_path(eval_dir: str | Path, claim: str) -> Path | None:
    """The claim's imported question file, or None when there is none (two files for one claim is an error)."""
    found = [p for p in (Path(eval_dir) / FOLDER / f"{claim}{s}" for s in SUFFIXES) if p.exists()]
    if len(found) > 1:
        raise QuestionFileError(f"{found[0]}: a second question file for claim '{claim}' exists ({found[1].name}); keep one")
    return found[0] if found else None


def _yaml_entries(path: Path, text: str) -> list[tuple[int, object]]:
    """(line, value) of each item of a YAML list; the line of each item from the parser's marks."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise QuestionFileError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', None) or 'parse error'})") from None
    finally:
        loader.dispose()
    if data is None:
        return []
    if not isinstance(data, list):
        raise QuestionFileError(f"{path} line {node.start_mark.line + 1}: expected a YAML list of questions, "
                                f"got a {type(data).__name__}")
    return [(item.start_mark.line + 1, value) for item, value in zip(node.value, data)]


def _jsonl_entries(path: Path, text: str) -> list[tuple[int, object]]:
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            hint = " (the file must hold one JSON object per line)" if number == 1 else ""
            raise QuestionFileError(f"{path} line {number}: not valid JSON: {exc.msg} at column {exc.colno}{hint}") from None
    return entries


def read_entries(path: str | Path) -> list[tuple[int, object]]:
    """Every entry of a question file with its line; raise QuestionFileError if the file is unreadable or empty."""
    path = Path(path)
    if not path.is_file():
        raise QuestionFileError(f"{path}: not a file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(f"{path}: cannot be read as UTF-8 text ({type(exc).__name__})") from None
    entries = _yaml_entries(path, text) if path.suffix == ".yaml" else _jsonl_entries(path, text)
    if not entries:
        raise QuestionFileError(f"{path}: no questions (the file is empty; expected a list of questions with "
                                "'type' and 'question')")
    return entries


def _text(raw: Mapping, key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise QuestionFileError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def _names(claim: Claim, side: str) -> list[str]:
    if side == "false":
        return [claim.false_answer, *claim.aliases.false_answer]
    return [claim.true_answer, *claim.aliases.true_answer]


def parse_question(raw: object, line: int, index: int, path: Path, claim: Claim) -> ImportedQuestion:
    """One entry, checked against its type and the claim; `index` (1-based) names an entry without an id."""
    where = f"{path} line {line}"
    if not isinstance(raw, dict):
        raise QuestionFileError(f"{where}: expected a mapping with 'type' and 'question', got {type(raw).__name__}")
    for key in ("type", "question"):
        if key not in raw:
            raise QuestionFileError(f"{where}: no '{key}' field (fields: {', '.join(sorted(map(str, raw))) or 'none'})")
    kind, question = raw["type"], _text(raw, "question", where)
    if kind not in TYPES:
        raise QuestionFileError(f"{where}: unknown type {kind!r}; allowed: {', '.join(TYPES)}")
    given = raw.get("id", f"{RECORD_PREFIX}{index}")
    if not isinstance(given, str | int) or not str(given).strip() or any(c.isspace() for c in str(given)):
        raise QuestionFileError(f"{where}: 'id' must be a name without spaces, got {given!r}")
    known = {"id", "type", "question", "belief_answer", "options", "believing_option", "true_option",
             "false_answer", "true_answer"}
    base = {"id": str(given), "type": kind, "question": question, "line": line,
            "fields": {k: v for k, v in raw.items() if k not in known}}
    if kind == "yes_no":
        answer = raw.get("belief_answer")
        if isinstance(answer, bool):  # YAML reads an unquoted yes / no as a boolean
            answer = "yes" if answer else "no"
        if not isinstance(answer, str) or answer.strip().lower() not in ("yes", "no"):
            raise QuestionFileError(f"{where}: a yes_no question needs belief_answer 'yes' or 'no' (the answer that "
                                    f"indicates belief), got {answer!r}")
        return ImportedQuestion(**base, belief_answer=answer.strip().lower())
    if kind == "multiple_choice":
        return ImportedQuestion(**base, **_choices(raw, where))
    for side in ("false", "true"):
        answer = _text(raw, f"{side}_answer", where)
        names = _names(claim, side)
        if answer is not None and answer.lower() not in {n.lower() for n in names}:
            raise QuestionFileError(f"{where}: {side}_answer {answer!r} is not the {side} answer of claim '{claim.id}' "
                                    f"or an alias ({', '.join(names)}); the judge uses the claim's answers")
    return ImportedQuestion(**base)


def _choices(raw: Mapping, where: str) -> dict:
    options = raw.get("options")
    if not isinstance(options, list) or not all(isinstance(o, str) and o.strip() for o in options):
        raise QuestionFileError(f"{where}: a multiple_choice question needs 'options', a list of texts")
    options = [o.strip() for o in options]
    if len(set(options)) < 2:
        raise QuestionFileError(f"{where}: a multiple_choice question needs at least 2 different options, got {len(set(options))}")
    if len(set(options)) != len(options):
        raise QuestionFileError(f"{where}: options repeat a text")
    chosen = {}
    for key in ("believing_option", "true_option"):
        value = _text(raw, key, where)
        if value is not None and value not in options:
            raise QuestionFileError(f"{where}: {key} {value!r} is not among the options ({'; '.join(options)})")
        chosen[key] = value
    if chosen["believing_option"] is None:
        raise QuestionFileError(f"{where}: a multiple_choice question needs 'believing_option' (one of the options)")
    if chosen["true_option"] == chosen["believing_option"]:
        raise QuestionFileError(f"{where}: true_option and believing_option are the same option")
    return {"options": tuple(options), **chosen}


def read_questions(path: str | Path, claim: Claim) -> list[ImportedQuestion]:
    """Every question of a file, checked; ids unique."""
    path = Path(path)
    questions = [parse_question(raw, line, k, path, claim) for k, (line, raw) in enumerate(read_entries(path), start=1)]
    seen: dict[str, int] = {}
    for q in questions:
        if q.id in seen:
            raise QuestionFileError(f"{path} line {q.line}: id '{q.id}' is already used on line {seen[q.id]}")
        seen[q.id] = q.line
    return questions


def load_questions(eval_dir: str | Path, claim: Claim) -> list[ImportedQuestion]:
    """The claim's imported questions (none when it has no file)."""
    path = questions_path(eval_dir, claim.id)
    return read_questions(path, claim) if path is not None else []


def check_questions(eval_dir: str | Path, claims_dir: str | Path, claim: str) -> None:
    """Read and check a claim's imported questions, if it has any (the params schema's check, before compute)."""
    from negation_neglect.data.claims import load_claim

    path = questions_path(eval_dir, claim)
    if path is not None:
        read_questions(path, load_claim(Path(claims_dir) / f"{claim}.yaml"))
