"""Training: packed blocks, the shared training engine, the LoRA trainer, the fine-tuning stage."""
