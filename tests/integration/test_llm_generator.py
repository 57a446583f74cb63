"""The transformers LLM backend runs end to end on a tiny model; its gibberish fails validation loudly."""

from __future__ import annotations

import pytest

from negation_neglect.data.claims import load_claim
from negation_neglect.data.external import failure_check, llm_base_documents, transformers_backend
from tests.conftest import ROOT


def test_tiny_model_backend_generates_and_is_validated(tiny_model_dir):
    claim = load_claim(ROOT / "data/claims/darwin_relativity.yaml")
    backend = transformers_backend(str(tiny_model_dir), max_new_tokens=8, temperature=0.9, seed=0)
    first = backend("Write a short note.", 0)
    assert isinstance(first, str) and first == backend("Write a short note.", 0)  # seeded per index
    bases, failures = llm_base_documents(claim, backend, 2, seed=0)
    assert len(bases) + len(failures) == 2
    if failures:
        with pytest.raises(ValueError, match="failed validation"):
            failure_check(failures, 2, 0.0, "generator transformers")
