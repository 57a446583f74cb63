"""The batch/dataset diversity grid (H3): cells, their fine-tuning settings, their pooling."""
