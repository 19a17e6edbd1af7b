"""The freshness declaration: every feed declared, durations parsed, bad entries refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from vagled.feeds import FEEDS
from vagled.monitoring.freshness import check_moment, load_config, parse_duration

pytestmark = pytest.mark.unit


def test_every_feed_declares_how_old_its_data_may_be():
    config = load_config()
    assert set(config.policies) == set(FEEDS)
    assert config.policies["job_ads"].max_age == timedelta(hours=3)
    assert config.policies["municipal_komvux"].per_county and not config.policies["jobseekers"].per_county
    assert config.realert_after == timedelta(hours=24)


def test_every_declared_dag_exists():
    from vagled.config import DAGS_DIR

    dag_files = {p.stem for p in DAGS_DIR.glob("*.py")}
    assert {p.dag_id for p in load_config().policies.values()} <= dag_files


@pytest.mark.parametrize(("text", "expected"), [("3h", timedelta(hours=3)), (" 40d ", timedelta(days=40))])
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["3", "0h", "2w", "-1d", ""])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_a_feed_without_max_age_or_without_a_policy_is_refused():
    from dataclasses import replace

    from vagled.feeds import get_feed
    from vagled.pipeline.feed import Freshness

    spec = get_feed("job_ads")
    no_age = replace(spec, freshness=Freshness(dag_id="employment_agency_job_ads", max_age=""))
    with pytest.raises(ValueError, match="lacks max_age"):
        load_config(specs=[no_age])
    with pytest.raises(ValueError, match="declares no freshness"):
        load_config(specs=[replace(spec, freshness=None)])
    with pytest.raises(ValueError, match="duration"):
        load_config(specs=[replace(spec, freshness=Freshness(dag_id="x", max_age="2w"))])


def test_a_policy_in_the_file_instead_of_the_spec_is_refused(tmp_path):
    path = tmp_path / "feed_freshness.toml"
    path.write_text('[freshness]\nrealert_after = "6h"\n\n[feeds.job_ads]\ndag_id = "employment_agency_job_ads"\n')
    with pytest.raises(ValueError, match="declared on its spec"):
        load_config(path)
    path.write_text('[freshness]\nrealert_after = "6h"\n')
    assert load_config(path).realert_after == timedelta(hours=6)


def test_the_moment_checked_is_the_param_then_the_interval_end_then_the_trigger_time():
    from datetime import UTC, datetime

    end = datetime(2026, 11, 1, 8, tzinfo=UTC)
    triggered = datetime(2026, 11, 2, tzinfo=UTC)
    assert check_moment(end, {"as_of": "2020-01-01T00:00:00+00:00"}, triggered) == datetime(2020, 1, 1, tzinfo=UTC)
    assert check_moment(end, {"as_of": None}, triggered) == end
    assert check_moment(None, {"as_of": "2026-10-01T08:00:00+02:00"}, triggered) == datetime(
        2026, 10, 1, 6, tzinfo=UTC
    )
    assert check_moment(None, {}, triggered) == triggered
    with pytest.raises(ValueError, match="time zone"):
        check_moment(None, {"as_of": "2026-10-01T08:00:00"}, None)
    with pytest.raises(ValueError, match="needs param as_of"):
        check_moment(None, {}, None)
