"""Measurements on models (torch): scoring, belief, logit competition, interference, knowledge."""
