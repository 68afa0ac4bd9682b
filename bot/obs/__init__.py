"""Observability: the Prometheus metrics every process records (exposed by bot.run.exposition)."""
