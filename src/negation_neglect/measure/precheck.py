"""Which evaluation items can show belief at all: the base model must prefer the truth on them.

Torch-free, so pooling can recompute the flags from a run's stored base records. An item is *informative*
when the base model's record prefers the true answer: margin < 0 (beyond a 1e-6 tie) for scored items (cloze, yes/no pairs,
multiple choice, pushback, adversarial, downstream), a base answer judged "true" for open items. On any
other item a fine-tuned model's "belief" cannot be told apart from what the base model already did (it
already preferred the false answer, tied, or did not know the truth), so headlines leave it out.
"""

from __future__ import annotations

from collections.abc import Sequence

TIE = 1e-6  # nats, as in measure.belief: a tie is no preference for the truth
OPEN_TYPES = ("open", "imported_open")  # judged answers, not margins: the package's and imported open questions


def informative_record(record: dict) -> bool:
    if record["type"] in OPEN_TYPES:
        return record.get("judged") == "true"
    return record["margin"] < -TIE


def informative(base_records: Sequence[dict]) -> dict[str, bool]:
    """{item id: informative} from the base model's belief records."""
    return {r["item"]: informative_record(r) for r in base_records}


def uninformative(base_records: Sequence[dict]) -> list[dict]:
    """The items flagged as unable to discriminate, with the base model's record (for the report)."""
    return [{"item": r["item"], "type": r["type"], "margin": r.get("margin"), "judged": r.get("judged")}
            for r in base_records if not informative_record(r)]
