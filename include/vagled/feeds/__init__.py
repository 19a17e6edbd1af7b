"""One module per feed; each exposes SPEC (a vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

import importlib

from vagled.pipeline.feed import FeedSpec

FEED_MODULES = {
    "job_ads": "vagled.feeds.job_ads",
    "jobseekers": "vagled.feeds.jobseekers",
    "occupational_outlook": "vagled.feeds.outlook",
    "taxonomy": "vagled.feeds.taxonomy",
    "taxonomy_skills": "vagled.feeds.taxonomy_skills",
    "education_offerings": "vagled.feeds.education",
    "myh_programmes": "vagled.feeds.myh",
    "kolada_key_figures": "vagled.feeds.key_figures",
    "scb_key_figures": "vagled.feeds.scb",
    "municipal_komvux": "vagled.feeds.municipal_komvux",
    "municipal_programmes": "vagled.feeds.municipal_programmes",
    "education_transitions": "vagled.feeds.education_transitions",
    "scb_transitions": "vagled.feeds.scb_transitions",
    "kolada_transitions": "vagled.feeds.kolada_transitions",
}


def get_feed(name: str) -> FeedSpec:
    """Return the FeedSpec of a feed by name.

    Raises:
        KeyError: no such feed.
    """
    if name not in FEED_MODULES:
        raise KeyError(f"unknown feed {name!r}; known feeds: {', '.join(sorted(FEED_MODULES))}")
    return importlib.import_module(FEED_MODULES[name]).SPEC
