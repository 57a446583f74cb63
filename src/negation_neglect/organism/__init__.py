"""The model organism: a synthetic world, a small model pre-trained on it (model, corpus, training), its gate,
experiments and pooling."""
