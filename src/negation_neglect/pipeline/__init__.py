"""Running stages: the notebook runner, grid fan-out, wall-clock records."""
