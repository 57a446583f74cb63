"""Belief on imported questions (data.eval_imports): the package's measure, reported under its own types.

Record types are `imported_yes_no`, `imported_multiple_choice` and `imported_open`, so the package's own
types and the run's headline (over the package's items) stay as they are; the per-run belief JSON carries an
`imported` section (its `pooled` rate is the imported aggregate, `by_type` the per-type rates). Scoring:

- `yes_no`: one question, in the package's yes/no format (measure.belief.yes_no_context); margin =
  log P(believing answer) - log P(other answer). Unlike the package's paired questions there is no matched
  counter-question, so an answer habit is kept out by the precheck alone: a base model that says the believing
  answer anyway makes the item uninformative. Questions of both polarities make that precheck bite.
- `multiple_choice`: the options in the given order and every cyclic rotation of it, scored on the option
  texts after measure.belief.MC_PREFIX, as the package's items are; the believing option against the true
  option when one is given, else against each other option (every comparison a part, the margin their mean).
  A habit tied to a position cancels over the rotations.
- `open`: the greedy answer, judged by the package's judge against the claim's answers and aliases.

The precheck (measure.precheck) applies as to the package's items: the base model's records decide which
imported items are informative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from negation_neglect.data.claims import Claim
from negation_neglect.data.eval_imports import RECORD_PREFIX, ImportedQuestion
from negation_neglect.measure.belief import (
    ScoredItem,
    greedy_answers,
    judge,
    judge_answers,
    mc_context,
    rotations,
    yes_no_context,
)

OPEN_TYPE = RECORD_PREFIX + "open"


def scored_questions(questions: Sequence[ImportedQuestion], tokenizer: PreTrainedTokenizerBase) -> list[ScoredItem]:
    """The comparisons of the yes/no and multiple-choice questions (open ones are generated, not scored)."""
    out = []
    for q in questions:
        if q.type == "yes_no":
            believer, other = ("Yes", "No") if q.belief_answer == "yes" else ("No", "Yes")
            out.append(ScoredItem(q.id, q.record_type, yes_no_context(tokenizer, q.question), believer, other))
        elif q.type == "multiple_choice":
            others = [q.true_option] if q.true_option else [o for o in q.options if o != q.believing_option]
            for opts in rotations(q.options):
                context = mc_context(tokenizer, q.question, opts)
                out.extend(ScoredItem(q.id, q.record_type, context, " " + q.believing_option, " " + o) for o in others)
    return out


def open_questions(questions: Sequence[ImportedQuestion]) -> list[ImportedQuestion]:
    return [q for q in questions if q.type == "open"]


def judged_open(questions: Sequence[ImportedQuestion], answers: Sequence[str], claim: Claim,
                judge_fn: Callable[[str, Claim], str] = judge) -> list[dict]:
    """Records of the open questions from their answers (one answer per open question, in order)."""
    return judge_answers(open_questions(questions), answers, claim, judge_fn, kind=OPEN_TYPE)


def open_records(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, questions: Sequence[ImportedQuestion],
                 claim: Claim, max_new_tokens: int = 40) -> list[dict]:
    """Greedy answers to the open questions, judged."""
    opens = open_questions(questions)
    if not opens:
        return []
    return judged_open(questions, greedy_answers(model, tokenizer, [q.question for q in opens], max_new_tokens), claim)
