from datetime import UTC, datetime

import pytest

from vagled.pipeline.period import Period, PeriodError, resolve_period

pytestmark = pytest.mark.unit

A = datetime(2026, 3, 1, tzinfo=UTC)
B = datetime(2026, 4, 1, tzinfo=UTC)


def test_data_interval_is_used():
    assert resolve_period(A, B, {}) == Period(A, B)


def test_params_win_over_interval_and_default_to_stockholm_time():
    period = resolve_period(A, B, {"period_start": "2025-01-01", "period_end": "2025-02-01T00:00:00+00:00"})
    assert period.start.utcoffset().total_seconds() == 3600  # CET in January
    assert period.end == datetime(2025, 2, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "params", "message"),
    [
        (None, None, {}, "no data interval"),
        (A, A, {}, "no data interval"),  # zero-width interval of an asset-triggered run
        (A, B, {"period_start": "2025-01-01"}, "both"),
        (None, None, {"period_start": "yesterday", "period_end": "2025-01-01"}, "ISO 8601"),
        (None, None, {"period_start": "2025-02-01", "period_end": "2025-01-01"}, "after its end"),
    ],
)
def test_clear_errors(start, end, params, message):
    with pytest.raises(PeriodError, match=message):
        resolve_period(start, end, params)


@pytest.mark.parametrize(
    ("given", "years"),
    [(2024, [2024]), ("2022-2024", [2022, 2023, 2024]), ("2023", [2023]), ([2024, 2022, 2024], [2022, 2024]),
     (None, None), ("", None), ([], None)],
)
def test_years_param_names_the_statistics_years(given, years):
    from vagled.pipeline.period import years_param

    assert years_param(given) == years


def test_years_param_refuses_what_is_not_a_year():
    from vagled.pipeline.period import years_param

    with pytest.raises(ValueError, match="give a year, a list of years"):
        years_param({"from": 2022})
    with pytest.raises(ValueError):
        years_param("twenty-24")
