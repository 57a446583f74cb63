"""Inputs: the base model, claims, framings, document synthesis and import, background text, evaluation items."""
