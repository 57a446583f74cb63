"""The full condition table: every condition plans by name (derived ones included), runs report what they trained
on (answer mentions that carry loss), the in-context control is matched by mentions, and the pool carries both."""

from __future__ import annotations

import copy

import pytest
import yaml

from negation_neglect import layout
from negation_neglect.data.claims import load_claims
from negation_neglect.data.framings import load_framings
from negation_neglect.data.synthesis import synthesize, write_documents
from negation_neglect.files import write_json
from negation_neglect.measure.competition import context_documents, context_probes, probes
from negation_neglect.params import CONDITIONS, FinetuneParams, ParamsError, parse_params
from negation_neglect.pool.competition import belief_table
from negation_neglect.train.blocks import IGNORE, _cut, tokenize_document
from negation_neglect.train.finetune import documents_of, mask_spans_of, plan_run
from tests.conftest import ROOT

CLAIM = load_claims(ROOT / "data/claims")["darwin_relativity"]
FRAMINGS = load_framings(ROOT / "data/framings.yaml")
TABLE = (*CONDITIONS, "negated_masked")  # the ten conditions of the full table


@pytest.fixture()
def raw() -> dict:
    return yaml.safe_load((ROOT / "params.yaml").read_text())


# --- the schema ----------------------------------------------------------------------------------------------


def test_every_condition_of_the_table_is_a_grid_condition(raw):
    raw["finetune"]["conditions"] = list(TABLE)
    cfg = parse_params(raw).finetune
    assert cfg.conditions == TABLE
    assert documents_of(cfg, "negated_masked") == "negated" and documents_of(cfg, "fiction") == "fiction"
    assert mask_spans_of(cfg, "negated_masked") == ("claim", "subclaim") and mask_spans_of(cfg, "negated") == ()
    both = cfg.model_copy(update={"mask_spans": ("framing", "claim")})
    assert mask_spans_of(both, "negated_masked") == ("framing", "claim", "subclaim")  # grid-wide first, no repeats


@pytest.mark.parametrize(
    ("edit", "must_mention"),
    [
        (lambda f: f.update(conditions=["negated", "negated_maskd"]),
         "'finetune.conditions': Value error, unknown condition 'negated_maskd'; allowed: positive,"),
        (lambda f: f.update(conditions=["negated", "negated"]), "'finetune.conditions'"),
        (lambda f: f["derived"].update(negated={"documents": "negated"}), "'finetune.derived'"),
        (lambda f: f["derived"].update(Bad={"documents": "negated"}), "'finetune.derived'"),
        (lambda f: f["derived"].update(x={"documents": "nope"}), "'finetune.derived.x.documents'"),
        (lambda f: f["derived"]["negated_masked"].update(mask_spans=["claims"]), "'finetune.derived.negated_masked.mask_spans.0'"),
        (lambda f: f["derived"]["negated_masked"].update(masks=[]),
         "unknown key 'finetune.derived.negated_masked.masks'; allowed: documents, mask_spans"),
    ],
)
def test_bad_conditions_fail_in_one_line_naming_the_key(raw, edit, must_mention):
    bad = copy.deepcopy(raw)
    edit(bad["finetune"])
    with pytest.raises(ParamsError) as info:
        parse_params(bad)
    assert "\n" not in str(info.value) and must_mention in str(info.value)


def test_the_committed_grid_is_the_full_table(raw):
    params = parse_params(raw)
    knowledge = yaml.safe_load((ROOT / "metrics/knowledge.json").read_text())["claims"]
    assert set(params.finetune.conditions) == set(TABLE)
    assert len(params.finetune.claims) >= 4 and len(params.finetune.seeds) >= 3
    assert all(knowledge[c]["hostable"] for c in params.finetune.claims)
    assert set(params.finetune.claims) <= set(params.synthesis.claims)  # their documents are synthesized


# --- mentions in the loss-bearing text -----------------------------------------------------------------------


def test_marks_sit_on_the_mentions_first_token_and_count_only_where_trained(tokenizer):
    text = "Warning: false. Darwin proposed relativity. He did not propose evolution."
    claim_span = (16, 43)
    marks = {"false": [(33, 43)], "true": [(63, 72)]}
    plain = tokenize_document(tokenizer, text, "claim", "<doc>", {"claim": [claim_span]}, (), marks)
    assert plain.trained_marks() == {"false": 1, "true": 1}
    for kind, position in plain.marks:
        assert tokenizer.decode(plain.input_ids[position]).strip() in ("relativity", "evolution", "relat", "evol")
    masked = tokenize_document(tokenizer, text, "claim", "<doc>", {"claim": [claim_span]}, ("claim",), marks)
    assert masked.trained_marks() == {"true": 1}
    first_true = next(p for kind, p in plain.marks if kind == "true")
    cut = _cut(plain, sum(label != IGNORE for label in plain.labels[:first_true]))
    assert [kind for kind, _ in cut.marks] == ["false"]  # a cut document keeps only the marks it still holds


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    write_documents(synthesize(CLAIM, FRAMINGS, CONDITIONS, 6, seed=0), root / CLAIM.id)
    return root


@pytest.fixture(scope="module")
def planned(data_dir, tokenizer):
    """Every condition of the table planned by name (tokenising and batching only, no model)."""
    cfg = FinetuneParams(conditions=TABLE, n_documents=6, epochs=2, max_length=128)
    out = {}
    for condition in TABLE:
        examples, batch_list = plan_run(cfg, CLAIM.id, condition, 0, tokenizer, data_dir, "unused", "unused", "unused",
                                        CLAIM)
        counts = {"false": 0, "true": 0}
        for ex in examples:
            for side, n in ex.trained_marks().items():
                counts[side] += n
        out[condition] = (len(batch_list), sum(ex.loss_tokens for ex in examples), counts)
    return out


def test_every_condition_of_the_table_plans_by_name(planned):
    for condition, (steps, loss_tokens, counts) in planned.items():
        assert steps > 0 and loss_tokens > 0, condition
    assert planned["positive"][2]["false"] > 0 and planned["positive"][2]["true"] == 0
    assert planned["true"][2] == {"false": 0, "true": planned["true"][2]["true"]} and planned["true"][2]["true"] > 0
    assert planned["corrected"][2]["true"] > 0  # corrections name the truth
    assert planned["negated"][2]["false"] == planned["positive"][2]["false"]  # same base documents, same sentences


def test_negated_masked_trains_on_negated_text_without_the_claim(planned):
    negated, masked = planned["negated"], planned["negated_masked"]
    assert masked[0] == negated[0]  # the same documents and passes: packed into as many steps
    assert masked[1] < negated[1]
    assert masked[2]["false"] == 0 < negated[2]["false"]  # every false mention sits in a claim or subclaim sentence


# --- the in-context control, matched by mentions ------------------------------------------------------------


@pytest.mark.parametrize("target", [6, 16])
def test_in_context_contexts_hold_about_the_same_mentions_in_every_condition(tokenizer, target):
    docs = synthesize(CLAIM, FRAMINGS, CONDITIONS, 12, seed=0)
    used = {}
    for condition in CONDITIONS:
        prefix, used[condition] = context_documents(docs[condition], tokenizer, CLAIM, 768, target, seed=0)
        side = used[condition]["counted"]
        assert side == ("true" if condition == "true" else "false")
        per_doc = max(sum(m == side for m in _sides(d.text)) for d in docs[condition])
        assert abs(used[condition]["mentions"][side] - target) <= per_doc / 2 or used[condition]["documents"] == 1
        assert used[condition]["tokens"] == len(tokenizer(prefix, add_special_tokens=False).input_ids)
        again = context_documents(docs[condition], tokenizer, CLAIM, 768, target, seed=0)
        assert again == (prefix, used[condition])  # deterministic
    framed = [c for c in CONDITIONS if c not in ("true", "corrected")]
    assert len({used[c]["documents"] for c in framed}) == 1  # the same base documents, whatever the framing
    assert len({used[c]["mentions"]["false"] for c in framed}) == 1
    assert used["repeated"]["tokens"] > used["positive"]["tokens"]  # matched by mentions, not by tokens


def _sides(text: str) -> list[str]:
    from negation_neglect.measure.judge import mentions

    return [m.side for m in mentions(text, CLAIM)]


def test_the_token_rule_remains_when_mentions_are_off(tokenizer):
    docs = synthesize(CLAIM, FRAMINGS, ["negated"], 6, seed=0)["negated"]
    prefix, used = context_documents(docs, tokenizer, CLAIM, 700, None)
    assert used["rule"] == "tokens" and used["tokens"] <= 700 + 8 and prefix.startswith(docs[0].text)
    control = context_probes(probes(CLAIM, _NoSuite(), None), prefix)
    assert {p.context for p in control} == {"in_context_neutral"} and control[0].prompt.startswith(prefix)


class _NoSuite:
    items = ()


# --- the pool --------------------------------------------------------------------------------------------------


def _record(item, margin):
    return {"item": item, "type": "cloze", "margin": margin, "believed": margin > 0}


def test_belief_table_pools_what_each_condition_trained_on(tmp_path):
    base = [_record("c1", -1.0)]
    for seed, (steps, false) in enumerate([(10, 40), (12, 50)]):
        write_json(layout.belief(tmp_path, "darwin_relativity", "negated_masked", seed), {
            "final_step": steps, "base": {"pooled": {}}, "final": {"pooled": {}, "by_type": {}},
            "in_context_control": {"n": 3, "rate": 0.5},
            "in_context_used": {"rule": "mentions", "target": 16, "documents": 3, "tokens": 900 + seed,
                                "mentions": {"false": 16, "true": 0}},
            "trained_on": {"documents": "negated", "steps": steps, "loss_tokens": 1000 * steps,
                           "mentions": {"false": false, "true": 2}},
            "items": {"base": base, "final": [_record("c1", 1.0)]},
        })
    write_json(layout.belief(tmp_path, "darwin_relativity", "positive", 0), {  # written before these keys existed
        "final_step": 9, "base": {"pooled": {}}, "final": {"pooled": {}, "by_type": {}}, "in_context_control": {},
        "items": {"base": base, "final": [_record("c1", 1.0)]},
    })
    table = belief_table(tmp_path, ["darwin_relativity"], ["negated_masked", "positive"], [0])
    table2 = belief_table(tmp_path, ["darwin_relativity"], ["negated_masked"], [0, 1])
    masked = table2["by_condition"]["negated_masked"]
    assert masked["trained_on"] == {"n_runs": 2, "steps": 11.0, "loss_tokens": 11000.0,
                                    "mentions": {"false": 45.0, "true": 2.0}}
    assert masked["in_context_used"] == {"n_runs": 2, "documents": 3.0, "tokens": 900.5,
                                         "mentions": {"false": 16.0, "true": 0.0}}
    assert table2["runs"][1]["trained_on"]["documents"] == "negated"
    old = table["by_condition"]["positive"]
    assert old["trained_on"]["n_runs"] == 0 and old["trained_on"]["steps"] is None
    assert "trained_on" not in table["by_condition"]["base model"]


def test_every_condition_of_the_table_has_its_own_colour():
    from negation_neglect.report.style import CONDITION_COLOURS

    assert set(TABLE) <= set(CONDITION_COLOURS)  # notebook 07 indexes the palette by condition
    assert len({CONDITION_COLOURS[c] for c in TABLE}) == len(TABLE)
