"""Pooling (pandas, no torch): per-run tables into grid summaries and intervals."""
