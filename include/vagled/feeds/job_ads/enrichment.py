"""The enrichment text of an ad, shared by both parsers (vagled.feeds.job_ads.parse and .rows)."""

from __future__ import annotations

from typing import Any


def enrichment_text(keywords: Any, must_have: Any, nice_to_have: Any) -> str | None:
    """The ad's keywords and requirements as one compact JSON text (None when it has none)."""
    import orjson

    if keywords is None and must_have is None and nice_to_have is None:
        return None
    return orjson.dumps({"keywords": keywords, "must_have": must_have, "nice_to_have": nice_to_have}).decode()
