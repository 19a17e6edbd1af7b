"""One folder per feed: ``vagled.feeds.<feed>`` holds its spec (``spec.SPEC``), source client and parsers.

The folder is named after the feed (audit.load_batch.feed). Its ``spec.py`` declares the feed for the
load path and is the one place its metadata lives: pool, asset, freshness, suite, quarantine
threshold. Each spec imports only cheap modules at the top (DAG files read specs at parse time).
"""

from __future__ import annotations

import importlib

from vagled.pipeline.feed import FeedSpec

FEEDS = (
    "job_ads",
    "jobseekers",
    "occupational_outlook",
    "taxonomy",
    "taxonomy_skills",
    "education_offerings",
    "myh_programmes",
    "kolada_key_figures",
    "scb_key_figures",
    "municipal_komvux",
    "municipal_programmes",
    "education_transitions",
    "scb_transitions",
    "kolada_transitions",
)


def spec_module(name: str) -> str:
    """The module that declares a feed's SPEC, e.g. ``vagled.feeds.job_ads.spec``."""
    return f"vagled.feeds.{name}.spec"


def get_feed(name: str) -> FeedSpec:
    """Return the FeedSpec of a feed by name.

    Raises:
        KeyError: no such feed.
    """
    if name not in FEEDS:
        raise KeyError(f"unknown feed {name!r}; known feeds: {', '.join(sorted(FEEDS))}")
    return importlib.import_module(spec_module(name)).SPEC


def all_feeds() -> tuple[FeedSpec, ...]:
    """Every feed's spec, in the order of FEEDS."""
    return tuple(get_feed(name) for name in FEEDS)
