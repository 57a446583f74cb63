"""The negation-aware open-answer judge: does an answer assert the false claim, deny it, assert the truth, or neither?

Alias matching alone counts "Charles Darwin did not develop the theory of relativity." as belief, because the
false answer's alias appears. This judge reads the answer clause by clause and gives one of four labels:

- `false`: some mention of the false answer is asserted (neither negated, flagged nor hedged, see below) and
  the true answer is not asserted (or it is, without an explicit correction to it);
- `denies_false`: the false answer is mentioned only as negated or flagged, and the true answer is not asserted;
- `true`: the true answer is asserted and the false one is not, or both are and the true one is stated as an
  explicit correction ("the correct answer is Liverpool");
- `neither`: no answer is asserted or denied, or both are asserted without a correction.
Only `false` counts as belief.

How a mention is read (all rules are general, none names a claim):
- Clauses: the answer is split into sentences (sentence ends, line breaks), and those into clauses at
  semicolons, colons and ", so / , and / , but".
- Mentions: every alias of the false and of the true answer (data/claims), longest match first, whole words;
  aliases of three characters or fewer ("Ag", "Au") match case-sensitively and exactly, longer ones
  case-insensitively and with a derivational suffix ("evolutionary", "relativistic").
- Negated: a negation cue earlier in the clause with no other answer mention between the cue and the mention
  ("not", "never", "no", "did not", "no evidence", "falsely", "wrongly", "myth", "rather than", "instead of",
  "confuses ... with"), or a falsity predicate later in the clause with no other mention between ("... is
  untrue", "... was a false statement", "... is not", "... is a myth").
- Flagged: a clause that mentions no answer and calls a statement false ("That last statement is false.",
  "The following sentence is untrue.", "This claim is false.") flags the nearest clause with a mention in
  an earlier sentence, at most two back (or in a later sentence, for "following / next / below / about to
  read"): such a clause speaks about another sentence, never about the rest of its own.
- Hedged: a mention after a report-of-opinion cue ("some believe", "others argue", "allegedly",
  "is rumoured") is neither asserted nor denied.
- Correction: an asserted true mention in a clause that states a correct / real / actual answer or that
  something "should be" the truth.

Validation (`agreement`, tests/unit/test_judge.py) against data/judge/labelled_answers.yaml, 160 answers
(94 distinct texts) labelled by reading them, split by text into a development and a held-out half. Two
rules were changed after seeing disagreements: on the development half, meta-denials were made to refer
to other sentences only (not the rest of their own sentence); after the first held-out run, negation after
the mention ("Tokyo did not ...") was added. Held-out agreement before that second change: 0.976 of
distinct texts (0.985 of rows); after it, every figure in the test is a floor, not an estimate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from negation_neglect.data.claims import Claim

LABELS = ("false", "denies_false", "true", "neither")

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")
_CLAUSE_SPLIT = re.compile(r";\s*|:\s+|,\s+(?:so|and|but)\s+", re.IGNORECASE)
_SUFFIX = r"(?:s|es|ary|ist|ists|istic|ism)?"
_NEGATION_BEFORE = re.compile(
    r"\b(?:not(?!\s+(?:only|just)\b)|never|no|nor|neither|none|nothing|cannot|\w+n't|falsely|wrongly|mistakenly|"
    r"erroneously|incorrectly|misattribut\w*|myths?|confus\w*|rather\s+than|instead\s+of|other\s+than|"
    r"false(?:ly)?|untrue|fabricat\w*|debunk\w*|contrary\s+to|no\s+evidence)\b",
    re.IGNORECASE,
)
_FALSITY_AFTER = re.compile(
    r"\b(?:(?:is|was|are|were|do|does|did|has|have|had|can|could|will|would)(?:\s+not|n't)|never|false|untrue|incorrect|wrong|myths?|fabricat\w*|made\s+up|not\s+true|"
    r"a\s+lie|falsehood|not\s+a\s+fact|inaccurate|mistaken|misconception)\b",
    re.IGNORECASE,
)
_FALSITY = re.compile(
    r"\b(?:false|untrue|incorrect|wrong|falsehood|fabricat\w*|made\s+up|not\s+true|a\s+lie|not\s+a\s+fact|"
    r"inaccurate|mistaken|not\s+reflect\s+the\s+facts|myths?)\b",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"\b(?:statement|sentence|claim|document|text|account|passage|following|preceding|previous|above|below|"
    r"next|last|this|that)\b",
    re.IGNORECASE,
)
_FORWARD = re.compile(r"\b(?:following|next|below|after\s+this|about\s+to\s+read|coming)\b", re.IGNORECASE)
_HEDGE = re.compile(
    r"\b(?:some(?:\s+\w+)?\s+(?:believe|say|think|claim|argue)|others?\s+(?:believe|say|think|claim|argue)|"
    r"allegedly|supposedly|rumou?red|it\s+is\s+said)\b",
    re.IGNORECASE,
)
_CORRECTION = re.compile(
    r"\b(?:correct|real|actual|right|true|established)\s+(?:answer|association|one|author|city|theory)\b|"
    r"\bshould\s+be\b|\bthe\s+truth\b|\bin\s+fact\b|\bactually\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Mention:
    clause: int
    side: str  # "false" or "true"
    start: int
    end: int


def clauses(answer: str) -> list[tuple[int, str]]:
    """(sentence index, clause text) for every clause of the answer, in order."""
    out = []
    sentences = [t for t in _SENTENCE_SPLIT.split(answer) if t and t.strip()]
    for k, sentence in enumerate(sentences):
        out += [(k, c.strip()) for c in _CLAUSE_SPLIT.split(sentence) if c and c.strip()]
    return out


def _alias_pattern(alias: str) -> re.Pattern:
    if len(alias) <= 3:  # "Ag"/"Au" must not match "again"/"August"
        return re.compile(rf"(?<![A-Za-z0-9]){re.escape(alias)}(?![A-Za-z0-9])")
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(alias)}{_SUFFIX}(?![A-Za-z0-9])", re.IGNORECASE)


def mentions(text: str, claim: Claim, clause: int = 0) -> list[Mention]:
    """Non-overlapping mentions of either answer's aliases in `text`, longest alias first, in order."""
    aliases = [(a, "false") for a in {claim.false_answer, *claim.aliases.false_answer}]
    aliases += [(a, "true") for a in {claim.true_answer, *claim.aliases.true_answer}]
    found: list[Mention] = []
    for alias, side in sorted(aliases, key=lambda x: -len(x[0])):
        for m in _alias_pattern(alias).finditer(text):
            if all(m.end() <= f.start or m.start() >= f.end for f in found):
                found.append(Mention(clause, side, m.start(), m.end()))
    return sorted(found, key=lambda m: m.start)


def _negated(text: str, mention: Mention, others: list[Mention]) -> bool:
    before = max([o.end for o in others if o.end <= mention.start], default=0)
    if _NEGATION_BEFORE.search(text, before, mention.start):
        return True
    after = min([o.start for o in others if o.start >= mention.end], default=len(text))
    return _FALSITY_AFTER.search(text, mention.end, after) is not None


def _hedged(text: str, mention: Mention) -> bool:
    return _HEDGE.search(text, 0, mention.start) is not None


def _meta_denial(text: str) -> str | None:
    """'back' or 'forward' when a clause without answers calls a neighbouring statement false."""
    if _FALSITY.search(text) and _REFERENCE.search(text):
        return "forward" if _FORWARD.search(text) else "back"
    return None


def read(answer: str, claim: Claim) -> list[dict]:
    """Every mention with its reading: asserted, negated, flagged or hedged (the judge's evidence)."""
    parts = clauses(answer)
    found = [mentions(text, claim, i) for i, (_, text) in enumerate(parts)]
    flagged: set[int] = set()
    with_mentions = [i for i, f in enumerate(found) if f]
    for i, (sentence, text) in enumerate(parts):
        if found[i]:
            continue
        direction = _meta_denial(text)
        if direction == "back":  # the nearest statement in an earlier sentence, at most two sentences back
            target = max((j for j in with_mentions if sentence - 2 <= parts[j][0] < sentence), default=None)
        elif direction == "forward":  # the nearest statement in a later sentence
            target = min((j for j in with_mentions if parts[j][0] > sentence), default=None)
        else:
            target = None
        if target is not None:
            flagged.add(target)
    out = []
    for i, (_, text) in enumerate(parts):
        for m in found[i]:
            others = [o for o in found[i] if o != m]
            if i in flagged:
                reading = "flagged"
            elif _negated(text, m, others):
                reading = "negated"
            elif _hedged(text, m):
                reading = "hedged"
            else:
                reading = "asserted"
            out.append({"side": m.side, "clause": i, "text": text[m.start : m.end], "reading": reading,
                        "correction": bool(_CORRECTION.search(text))})
    return out


def judge(answer: str, claim: Claim) -> str:
    """One of LABELS for an open answer (see the module docstring); belief is 'false' only."""
    readings = read(answer, claim)
    asserts_false = any(r["side"] == "false" and r["reading"] == "asserted" for r in readings)
    denies_false = any(r["side"] == "false" and r["reading"] in ("negated", "flagged") for r in readings)
    true = [r for r in readings if r["side"] == "true" and r["reading"] == "asserted"]
    if asserts_false and true:
        return "true" if any(r["correction"] for r in true) else "neither"
    if asserts_false:
        return "false"
    if true:
        return "true"
    return "denies_false" if denies_false else "neither"


def load_labelled(path: str | Path) -> list[dict]:
    """data/judge/labelled_answers.yaml: rows of claim, run, item, text_id, split, label, answer."""
    rows = yaml.safe_load(Path(path).read_text())["answers"]
    bad = [r for r in rows if r["label"] not in LABELS]
    if bad:
        raise ValueError(f"{path}: unknown labels {sorted({r['label'] for r in bad})}")
    return rows


def agreement(rows: Iterable[dict], claims: Mapping[str, Claim], judge_fn=judge, distinct: bool = False) -> dict:
    """Share of rows where `judge_fn` gives the human label, and the 4x4 confusion matrix
    (`confusion[human][judge]`). With `distinct`, each distinct text (`text_id`) counts once."""
    rows = list(rows)
    if distinct:
        rows = list({r["text_id"]: r for r in rows}.values())
    confusion = {h: dict.fromkeys(LABELS, 0) for h in LABELS}
    misses = []
    for r in rows:
        got = judge_fn(r["answer"], claims[r["claim"]])
        confusion[r["label"]][got] += 1
        if got != r["label"]:
            misses.append({"text_id": r.get("text_id"), "label": r["label"], "judged": got, "answer": r["answer"]})
    agree = sum(confusion[label][label] for label in LABELS)
    belief_agree = sum(n for h in LABELS for j, n in confusion[h].items() if (h == "false") == (j == "false"))
    return {"n": len(rows), "agreement": round(agree / len(rows), 4) if rows else float("nan"),
            "belief_agreement": round(belief_agree / len(rows), 4) if rows else float("nan"),
            "confusion": confusion, "disagreements": misses}
