"""The model endpoint's negotiated capability in Redis, shared by every process (a bot.llm CapabilityCache)."""

from __future__ import annotations

import redis

from bot.store.keys import CAPABILITY_TTL_SECONDS, capability_key


class RedisCapabilities:
    """Capability JSON per endpoint and model, kept for a TTL so server changes are noticed."""

    def __init__(self, connection: redis.Redis, ttl_seconds: int = CAPABILITY_TTL_SECONDS) -> None:
        self.redis = connection
        self.ttl_seconds = ttl_seconds

    def load(self, endpoint: str, model: str) -> str | None:
        """The remembered JSON, or None; a Redis failure only means negotiating again."""
        try:
            value = self.redis.get(capability_key(endpoint, model))
        except redis.RedisError:
            return None
        return value.decode() if isinstance(value, bytes) else None

    def save(self, endpoint: str, model: str, value: str) -> None:
        """Remember value with the TTL (a Redis failure is ignored: the process still knows it)."""
        try:
            self.redis.set(capability_key(endpoint, model), value, ex=self.ttl_seconds)
        except redis.RedisError:
            return
