"""Settings for reading threads at Slack's rate tiers."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings


class ReadingSettings(BaseSettings):
    """How the thread reader paces conversations.replies."""

    # auto: Tier 3 (200 a page) until Slack's answers show the slow tier of an app distributed outside the
    # Marketplace (a page cut short with more to come, or a 429); limited: 15 a page, one call a window,
    # from the start; standard: always 200 a page (429s are still waited out, off the worker).
    techspec_slack_read_tier: Literal["auto", "limited", "standard"] = "auto"
