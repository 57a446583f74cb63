"""Model sources: resolution, early checks with one-line errors, and the conversion to safetensors."""

from __future__ import annotations

import pytest
import torch

from negation_neglect.data.base_model import (
    ModelSourceError,
    check_source,
    load_base,
    prepare_base_model,
    resolve_source,
)


def test_local_folder_is_converted_with_a_card(tiny_model_dir, tmp_path):
    out = tmp_path / "models" / "base"
    card = prepare_base_model(str(tiny_model_dir), out)
    assert {"config.json", "model.safetensors", "model_card.json", "tokenizer.json"} <= {p.name for p in out.iterdir()}
    assert not list(out.parent.glob("*.partial"))
    assert card["source"]["kind"] == "local"
    assert card["architecture"] == "LlamaForCausalLM"
    assert card["roundtrip_max_abs_logit_diff"] == 0.0
    model, _ = load_base(out)
    assert card["n_parameters"] == sum(p.numel() for p in model.parameters())
    assert len(card["weights_sha256"]["model.safetensors"]) == 64


def test_converted_model_matches_source(tiny_model_dir, tiny_model, tmp_path):
    out = tmp_path / "base"
    prepare_base_model(str(tiny_model_dir), out)
    converted, tokenizer = load_base(out)
    source, _ = tiny_model
    ids = tokenizer("Negation is hard", return_tensors="pt")
    with torch.no_grad():
        torch.testing.assert_close(converted(**ids).logits, source(**ids).logits, rtol=0, atol=0)


def test_conversion_is_byte_stable(tiny_model_dir, tmp_path):
    a = prepare_base_model(str(tiny_model_dir), tmp_path / "a")
    b = prepare_base_model(str(tiny_model_dir), tmp_path / "b")
    assert a["weights_sha256"] == b["weights_sha256"]


def test_resolve_kinds(tiny_model_dir):
    assert resolve_source(str(tiny_model_dir)).kind == "local"
    assert resolve_source("Qwen/Qwen3-0.6B").kind == "hub"
    assert resolve_source("./missing-folder").kind == "local"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("./no/such/folder", "is not a folder holding a Hugging Face model"),
        ("embedded:gpt-17", "unknown embedded model"),
        ("negation-neglect-tests/no-such-model-xyz", "Hugging Face hub"),
    ],
)
def test_bad_sources_fail_early_in_one_line(name, expected):
    with pytest.raises(ModelSourceError) as info:
        check_source(resolve_source(name))
    message = str(info.value)
    assert expected in message and "\n" not in message
    assert "embedded:smollm2-135m-instruct" in message  # always points at the offline default


def test_folder_without_config_is_rejected(tmp_path):
    with pytest.raises(ModelSourceError, match="no config.json"):
        check_source(resolve_source(str(tmp_path)))
