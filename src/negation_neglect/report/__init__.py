"""Reporting (no torch): verdicts, figures, paper, README, HTML."""
