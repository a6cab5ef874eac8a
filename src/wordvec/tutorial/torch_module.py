"""The TensorFlow word2vec tutorial's model on PyTorch (``pip install torch``).

``Word2VecTutorialModel`` is the tutorial's ``Word2Vec(tf.keras.Model)``: a target and a
context embedding, and the dot products of one target with its 1 + num_ns contexts as
logits. ``train_epoch`` is one epoch of its training step on any device. Most users want
``wordvec.tutorial.model.TutorialWord2Vec``, which drives either engine.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

KERAS_UNIFORM = 0.05  # Keras' Embedding initialiser: uniform(-0.05, 0.05)


class Word2VecTutorialModel(nn.Module):
    def __init__(self, vocab_size: int, embedding_dim: int):
        super().__init__()
        self.target_embedding = nn.Embedding(vocab_size, embedding_dim)
        self.context_embedding = nn.Embedding(vocab_size, embedding_dim)
        # Keras' default, not PyTorch's N(0, 1): the tutorial's training depends on it.
        nn.init.uniform_(self.target_embedding.weight, -KERAS_UNIFORM, KERAS_UNIFORM)
        nn.init.uniform_(self.context_embedding.weight, -KERAS_UNIFORM, KERAS_UNIFORM)

    @classmethod
    def from_arrays(cls, target: np.ndarray, context: np.ndarray) -> "Word2VecTutorialModel":
        model = cls(*target.shape)
        with torch.no_grad():
            model.target_embedding.weight.copy_(torch.from_numpy(np.ascontiguousarray(target, np.float32)))
            model.context_embedding.weight.copy_(torch.from_numpy(np.ascontiguousarray(context, np.float32)))
        return model

    def forward(self, target: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """target (batch,) or (batch, 1), context (batch, contexts) -> logits (batch, contexts)."""
        if target.dim() == 2:
            target = target.squeeze(1)
        word_emb = self.target_embedding(target)
        context_emb = self.context_embedding(context)
        return torch.einsum("be,bce->bc", word_emb, context_emb)


def tutorial_loss(logits: torch.Tensor, labels: torch.Tensor, sigmoid: bool = False) -> torch.Tensor:
    """Softmax cross-entropy over the columns (Keras' CategoricalCrossentropy(from_logits=True)),
    or the mean per-column sigmoid cross-entropy; mean over the batch."""
    if sigmoid:
        return F.binary_cross_entropy_with_logits(logits, labels)
    return F.cross_entropy(logits, labels)


def train_epoch(model, optimizer, targets, contexts, labels, order, batch_size: int, sigmoid: bool = False):
    """One epoch over the examples ``order`` (a shuffled index tensor on the model's device)
    in batches of ``batch_size``. Returns (summed loss, correct predictions, examples);
    the totals stay on the device until the end, so a GPU is never waited on per step."""
    loss_sum = torch.zeros((), dtype=torch.float64, device=order.device)
    correct = torch.zeros((), dtype=torch.int64, device=order.device)
    for start in range(0, order.numel(), batch_size):
        idx = order[start:start + batch_size]
        y = labels[idx]
        logits = model(targets[idx], contexts[idx])
        loss = tutorial_loss(logits, y, sigmoid)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            loss_sum += loss.detach().double() * idx.numel()
            correct += (logits.argmax(1) == y.argmax(1)).sum()
    return float(loss_sum), int(correct), int(order.numel())
