"""Training: the GAN loop, the supervised loop, the losses, and checkpoints as safetensors.

Each loop is an object with named state whose ``run(steps)`` yields plain records; the train CLI, the live
tab and the tests iterate the same generators. Nothing here imports gradio or seeds the global RNG.
"""
from __future__ import annotations

from .checkpoint import load_checkpoint, save_checkpoint
from .gan import DivergenceError, GANConfig, GANTrainer, tensor_sampler, unwrap
from .supervised import SupervisedTrainer

__all__ = ["DivergenceError", "GANConfig", "GANTrainer", "SupervisedTrainer", "load_checkpoint", "save_checkpoint",
           "tensor_sampler", "unwrap"]
