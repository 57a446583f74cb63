"""The model organism: a synthetic world, a small model pre-trained on it, its gate and experiments."""
