"""Documents you bring, read from a JSONL file and checked line by line, with reasons.

Two modes (`synthesis.imports[].mode`):

- `verbatim` (the default): the file fills one training condition exactly as written, for any condition:
  a package condition (`negated`, `local`, ...) or a condition you name. Real documents about a false claim
  mention the truth (warnings and corrections always do), so naming the true answer is allowed. Each document
  must state the claim: name the false answer or one of its aliases (for `true`, the true answer). Sentences
  that do become `claim` spans, in the format the synthesized documents use, so span masking and mention
  counts work on imported documents as on synthesized ones. Fields other than `text` are kept, beside the
  documents (`fields/<condition>.jsonl`).
- `material`: the texts are raw material for the package's framings (`external.to_base_document`): they
  must state the claim and must not name the true answer.

Reading stops at the first problem with the file itself (missing, unreadable, empty, not JSONL, a line
without a string `text`), with one line that names the file and the line. Problems of single documents
(the claim not stated) are failures: each is recorded with what was checked, and the stage stops when more
than `synthesis.max_failure_share` of a file fails. The schema runs these checks, so all of this happens
before any model is loaded.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from negation_neglect.data.claims import Claim
from negation_neglect.data.synthesis import Document, write_documents

MODES = ("verbatim", "material")
FIELDS_DIR = "fields"  # beside the condition files: the imported records' other fields, one line per document
# A sentence ends at . ! or ? followed by space (the next one starts with a capital, quote or bracket), or at
# a line break: headlines, bylines and list items carry no full stop.
_BOUNDARY = re.compile(r"(?<=[.!?])[ \t]+(?=[A-Z\"'(\u201c])|\n")


class ImportFileError(ValueError):
    """An imported file that cannot be used; the message is one line naming the file (and line)."""


@dataclass(frozen=True)
class Record:
    """One line of an imported file: its text and every other field, as written."""

    line: int  # 1-based line number in the file
    text: str
    fields: dict = field(default_factory=dict)


def read_records(path: str | Path) -> list[Record]:
    """Every document of a JSONL file; raise ImportFileError at the first line that is not one."""
    path = Path(path)
    if not path.exists():
        raise ImportFileError(f"{path}: file not found")
    if not path.is_file():
        raise ImportFileError(f"{path}: not a file")
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"{path}: cannot be read as UTF-8 text ({type(exc).__name__})") from None
    records = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            hint = " (the file must hold one JSON object per line, not one JSON document)" if number == 1 else ""
            raise ImportFileError(f"{path} line {number}: not valid JSON: {exc.msg} at column {exc.colno}{hint}") from None
        if not isinstance(raw, dict):
            hint = " (a JSON array: write one object per line instead)" if isinstance(raw, list) else ""
            raise ImportFileError(
                f"{path} line {number}: expected a JSON object with a 'text' field, got {type(raw).__name__}{hint}"
            )
        if "text" not in raw:
            found = ", ".join(sorted(raw)) or "none"
            raise ImportFileError(f"{path} line {number}: no 'text' field (fields: {found})")
        if not isinstance(raw["text"], str) or not raw["text"].strip():
            raise ImportFileError(f"{path} line {number}: 'text' must be a non-empty string")
        records.append(Record(number, raw["text"], {k: v for k, v in raw.items() if k != "text"}))
    if not records:
        raise ImportFileError(f"{path}: no documents (the file is empty; expected one JSON object with a 'text' field per line)")
    return records


def strip_tag(text: str, doc_tag: str | None) -> tuple[str, bool]:
    """The text without its leading document tag (and the whitespace after it); whether a tag was there."""
    if doc_tag and text.lstrip().startswith(doc_tag):
        return text.lstrip()[len(doc_tag) :].lstrip(), True
    return text, False


# The word endings the training code's mention counter accepts after an answer (measure.judge), so that every
# mention it counts in an imported document lies inside a claim span and masking the spans removes them all.
_SUFFIX = r"(?:s|es|ary|ist|ists|istic|ism)?"


def _pattern(names: Sequence[str]) -> re.Pattern[str]:
    """Any of `names` as whole words (with the mention counter's endings), case-insensitive, longest first."""
    alternatives = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives}){_SUFFIX}(?![A-Za-z0-9])", re.IGNORECASE)


def answer_names(claim: Claim, condition: str) -> tuple[list[str], list[str]]:
    """The names a document of `condition` states the claim with, and the other side's (the `true`
    condition states the true answer; every other one the false answer)."""
    false = [claim.false_answer, *claim.aliases.false_answer]
    true = [claim.true_answer, *claim.aliases.true_answer]
    return (true, false) if condition == "true" else (false, true)


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text` (trimmed of whitespace), in order."""
    spans, start = [], 0
    for match in [*_BOUNDARY.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[start:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + lead, start + len(piece.rstrip())))
        start = match.end() if match else len(text)
    return spans


def claim_spans(text: str, claim: Claim, condition: str) -> list[tuple[int, int]]:
    """Sentences that name the claim's answer for `condition` (or an alias)."""
    names = _pattern(answer_names(claim, condition)[0])
    return [(s, e) for s, e in sentences(text) if names.search(text, s, e)]


@dataclass(frozen=True)
class Checked:
    """One imported document after its checks: what was found, and why it failed (None: it passed)."""

    record: Record
    text: str  # as written, less a stripped leading tag
    tag_stripped: bool
    spans: list[tuple[int, int]]  # claim sentences
    names_true_answer: bool
    reason: str | None

    def failure(self, source: str, condition: str) -> dict:
        return {"source": source, "line": self.record.line, "condition": condition, "reason": self.reason,
                "checks": {"states_claim": bool(self.spans), "names_other_answer": self.names_true_answer,
                           "tag_stripped": self.tag_stripped},
                "text": self.text[:300]}


def check(record: Record, claim: Claim, condition: str, mode: str, doc_tag: str | None = None) -> Checked:
    """Run the mode's checks on one document."""
    text, tagged = strip_tag(record.text, doc_tag)
    own, other = answer_names(claim, condition)
    spans = claim_spans(text, claim, condition)
    names_other = _pattern(other).search(text) is not None
    reason = None
    if not text.strip():
        reason = f"nothing left after the tag {doc_tag!r}"
    elif not spans:
        reason = f"does not state the claim: names neither {own[0]!r} nor an alias ({', '.join(own[1:])})"
    elif mode == "material" and names_other:
        reason = (f"names the true answer ({other[0]!r} or an alias); material mode builds the framings itself, "
                  "use mode: verbatim for documents that already carry theirs")
    return Checked(record, text, tagged, spans, names_other, reason)


def screen(path: str | Path, claim: Claim, condition: str, mode: str, doc_tag: str | None,
           max_failure_share: float, where: str) -> list[Checked]:
    """Read and check a whole file; raise ImportFileError (one line, `where` first) when the file cannot be read
    or more than `max_failure_share` of its documents fail."""
    try:
        records = read_records(path)
    except ImportFileError as exc:
        raise ImportFileError(f"{where}: {exc}") from None
    checked = [check(r, claim, condition, mode, doc_tag) for r in records]
    failed = [c for c in checked if c.reason]
    share = len(failed) / len(checked)
    if share > max_failure_share:
        shown = "; ".join(f"line {c.record.line}: {c.reason}" for c in failed[:3])
        more = f"; and {len(failed) - 3} more" if len(failed) > 3 else ""
        raise ImportFileError(
            f"{where}: {path}: {len(failed)} of {len(checked)} documents fail ({share:.0%} > {max_failure_share:.0%} "
            f"allowed by synthesis.max_failure_share) for claim '{claim.id}': {shown}{more}"
        )
    return checked


def verbatim_documents(checked: Sequence[Checked], claim: Claim, condition: str) -> tuple[list[Document], list[dict]]:
    """The documents that passed, as written, with claim spans; and each one's other fields, by document id."""
    docs, fields = [], []
    for index, item in enumerate(c for c in checked if not c.reason):
        genre = item.record.fields.get("genre")
        doc_id = f"{claim.id}-{condition}-{index:04d}"
        spans = {"claim": list(item.spans), "subclaim": [], "framing": []}
        docs.append(Document(doc_id, claim.id, condition, genre if isinstance(genre, str) else "imported", item.text, spans))
        fields.append({"id": doc_id, "line": item.record.line, "fields": item.record.fields})
    return docs, fields


def material_bases(checked: Sequence[Checked], claim: Claim, source: str, condition: str) -> tuple[list, list[dict]]:
    """Base documents for the package's framings from the documents that passed; every failure so far, those of
    the checks first, then those the splitting into claim sentences adds."""
    from negation_neglect.data.external import to_base_document

    bases, failures = [], [c.failure(source, condition) for c in checked if c.reason]
    for item in (c for c in checked if not c.reason):
        genre = item.record.fields.get("genre")
        try:
            bases.append(to_base_document(item.text, claim, len(bases), genre if isinstance(genre, str) else "imported"))
        except ValueError as exc:
            failures.append({**item.failure(source, condition), "reason": str(exc)})
    return bases, failures


def import_summary(checked: Sequence[Checked], failures: Sequence[dict], source: str, mode: str,
                   doc_tag: str | None) -> dict:
    """What the data card says about one imported file (`failures`: its documents that were left out)."""
    failed_lines = {f["line"] for f in failures}
    kept = [c for c in checked if c.record.line not in failed_lines]
    reasons: dict[str, int] = {}
    for f in failures:
        key = f["reason"].split(":")[0].split(" (")[0]  # the reason without its details
        reasons[key] = reasons.get(key, 0) + 1
    return {
        "source": source, "mode": mode, "lines": len(checked), "documents": len(kept), "failures": len(failures),
        "failure_reasons": reasons, "claim_spans": sum(len(c.spans) for c in kept),
        "documents_naming_true_answer": sum(c.names_true_answer for c in kept),
        "doc_tag": doc_tag, "tags_stripped": sum(c.tag_stripped for c in kept),
    }


def write_outputs(docs: dict[str, list[Document]], fields: dict[str, list[dict]], out_dir: str | Path) -> None:
    """The condition files and the imported fields, together: a staging folder replaces `out_dir` at the end."""
    out_dir = Path(out_dir)
    staging = out_dir.with_name(out_dir.name + ".staging")
    shutil.rmtree(staging, ignore_errors=True)
    write_documents(docs, staging)
    for condition, rows in fields.items():
        target = staging / FIELDS_DIR / f"{condition}.jsonl"
        target.parent.mkdir(exist_ok=True)
        target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    shutil.rmtree(out_dir, ignore_errors=True)
    staging.rename(out_dir)


def write_failures(failures: Sequence[dict], path: str | Path) -> None:
    """Every failed document with what was checked and why it failed, one JSON object per line (written whole)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text("".join(json.dumps(f, ensure_ascii=False) + "\n" for f in failures))
    partial.replace(path)
