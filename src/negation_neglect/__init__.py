"""Negation Neglect: does fine-tuning on documents that flag a claim as false still teach the claim?

Modules are small and named for what they do: `params` (the one schema), `notebook` (the stage runner),
`model` (base model source and conversion), `scoring` (batched continuation log-probabilities) and
`knowledge` (what the base model knows).
"""

__version__ = "0.1.0"
