"""Training: packed blocks, the LoRA trainer, the fine-tuning stage."""
