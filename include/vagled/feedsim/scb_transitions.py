"""SCB PxWebApi 2.0 tables of the transitions question, served by feedsim/scb.py beside TAB638.

- ``TAB6383`` (municipality) and ``TAB6384`` (county): labour-market outcomes of the integration
  register (AA0003B IntGr1KomUtbBAS / IntGr1LanUtbBAS in v1), 2022-2024, by ``Region``, ``Kon``
  (1, 2; eliminable), ``UtbNiv`` (000 all, F pre-upper-secondary, 3 upper secondary, EU post-secondary,
  US unknown), ``BakgrVar`` (TOT, SE, SAMUTF and time in Sweden), ``ContentsCode`` and ``Tid``.
- ``TAB6929`` (regional matching indicators, E3), 2019-2024: ``Region`` with codelists
  ``vs_CKM02Län`` (counties) and ``vs_CKM03Kommun`` (municipalities), ``Utbildning`` with the two
  alternative codelists ``vs_UtbildningsgruppE2-3N1-2`` (education groups, total ``00S``) and
  ``vs_Utbildningsnivå19RMI`` (levels), ``SNI2007`` (``A-U`` all industries), the mandatory
  ``KonAlderFodelseland`` (codelist ``vs_KonCKMRMI``, ``totalt``), ``ContentsCode`` and ``Tid``.

The variable codes, codelists and the codes named above are those public PxWebApi 2.0 clients use
(docs/upstreams/scb.md). Codes no public source shows (the content codes of the outcomes, the
time-in-Sweden codes, most education groups) are the project's configured placeholders, served so
that the same configuration loads here; against SCB they fail the run naming the codes SCB has.
Small groups are suppressed (``..``): in small municipalities the newest arrivals and the
low-education foreign-born are too few to show.
"""

from __future__ import annotations

from typing import Any

from vagled.feedsim.common import population, reference, unit

OUTCOME_YEARS = tuple(str(y) for y in range(2022, 2025))
MATCHING_YEARS = tuple(str(y) for y in range(2019, 2025))

EDUCATION_LEVELS = (
    ("000", "samtliga utbildningsnivåer"),
    ("F", "förgymnasial utbildning"),
    ("3", "gymnasial utbildning"),
    ("EU", "eftergymnasial utbildning"),
    ("US", "uppgift saknas"),
)
BACKGROUNDS = (
    ("TOT", "totalt"),
    ("SE", "födelseregion: Sverige"),
    ("SAMUTF", "samtliga utrikes födda"),
    ("INT010", "vistelsetid 0\u20131 år"),
    ("INT020", "vistelsetid 2\u20133 år"),
    ("INT030", "vistelsetid 4\u20139 år"),
    ("INT040", "vistelsetid 10\u2013 år"),
)
# "Andel sysselsatta" has a code per table (the nation's TAB6379 has 000007JE).
EMPLOYED_CONTENT = {"TAB6383": "000007K3", "TAB6384": "000007KE"}
OUTCOME_CONTENTS = (
    ("andel_langtidsarbetslosa", "Andel långtidsarbetslösa"),
    ("andel_program_aktivitetsstod", "Andel i program med aktivitetsstöd"),
    ("andel_kvar_sysselsatta_ett_ar", "Andel sysselsatta även ett år senare"),
)
EDUCATION_GROUPS = (
    ("00S", "samtliga utbildningsgrupper"),
    ("35E", "ekonomutbildning, eftergymnasial minst 3 år"),
    ("53B", "byggutbildning, gymnasial"),
)
MATCHING_CONTENTS = (
    ("000008QS", "D"),
    ("000008QV", "Andel matchade förvärvsarbetande"),
    ("000008QW", "Skillnad mellan förvärvsgrader"),
)
GROUP_CODELIST = "vs_UtbildningsgruppE2-3N1-2"
LEVEL_CODELIST = "vs_Utbildningsnivå19RMI"
COUNTY_CODELIST = "vs_CKM02Län"
MUNICIPALITY_CODELIST = "vs_CKM03Kommun"
# feedsim serves the level codelist's name (so that a client asking for it gets data) with these
# codes, the levels of SUN 2000 the codelist's name suggests; their real codes are unconfirmed.
LEVEL_CODES = (("N1", "förgymnasial"), ("N2", "gymnasial"), ("N3", "eftergymnasial"))


def _split(pairs) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(c for c, _ in pairs), tuple(t for _, t in pairs)


def transition_tables(variable, table) -> list[Any]:
    """TAB6383, TAB6384 and TAB6929 built with scb.py's Variable and Table."""
    ref = reference()
    counties = sorted(ref.counties)
    municipalities = [m.code for m in ref.municipalities]
    names = {**ref.counties, **{m.code: m.name for m in ref.municipalities}}
    sexes = variable("Kon", "kön", ("1", "2"), ("män", "kvinnor"), True)

    def outcomes(table_id: str, label: str, regions: list[str]):
        return table(
            table_id,
            label,
            (
                variable("Region", "region", tuple(regions), tuple(names[r] for r in regions)),
                sexes,
                variable("UtbNiv", "utbildningsnivå", *_split(EDUCATION_LEVELS)),
                variable("BakgrVar", "bakgrundsvariabel", *_split(BACKGROUNDS)),
                variable(
                    "ContentsCode",
                    "tabellinnehåll",
                    *_split(((EMPLOYED_CONTENT[table_id], "Andel sysselsatta"), *OUTCOME_CONTENTS)),
                ),
                variable("Tid", "år", OUTCOME_YEARS, OUTCOME_YEARS, time=True),
            ),
            kind="outcomes",
            updated="2026-03-27T07:00:00Z",
        )

    all_regions = ["00", *counties, *municipalities]
    group_codes, group_labels = _split(EDUCATION_GROUPS)
    level_codes, level_labels = _split(LEVEL_CODES)
    matching = table(
        "TAB6929",
        "Förvärvsarbetande 20-69 år efter region, utbildningsgrupp, näringsgren, kön, ålder och födelseland "
        "samt matchning mellan utbildning och yrke (E3). År 2019-2024",
        (
            variable(
                "Region",
                "region",
                tuple(all_regions),
                tuple("Riket" if r == "00" else names[r] for r in all_regions),
                codelists=((COUNTY_CODELIST, tuple(counties)), (MUNICIPALITY_CODELIST, tuple(municipalities))),
            ),
            variable(
                "Utbildning",
                "utbildning",
                group_codes + level_codes,
                group_labels + level_labels,
                codelists=((GROUP_CODELIST, group_codes), (LEVEL_CODELIST, level_codes)),
            ),
            variable("SNI2007", "näringsgren SNI 2007", ("A-U",), ("samtliga näringsgrenar",)),
            variable(
                "KonAlderFodelseland",
                "kön, ålder och födelseland",
                ("totalt",),
                ("totalt",),
                codelists=(("vs_KonCKMRMI", ("totalt",)),),
            ),
            variable("ContentsCode", "tabellinnehåll", *_split(MATCHING_CONTENTS)),
            variable("Tid", "år", MATCHING_YEARS, MATCHING_YEARS, time=True),
        ),
        kind="matching",
        updated="2026-04-15T07:00:00Z",
    )
    return [
        outcomes(
            "TAB6383",
            "Arbetsmarknadsvariabler efter kommun, kön, utbildningsnivå och bakgrundsvariabel. År 2022-2024",
            municipalities,
        ),
        outcomes(
            "TAB6384",
            "Arbetsmarknadsvariabler efter län, kön, utbildningsnivå och bakgrundsvariabel. År 2022-2024",
            counties,
        ),
        matching,
    ]


def _size(region: str) -> int:
    ref = reference()
    if len(region) == 2:
        return sum(population(m.code) for m in ref.municipalities_in(region)) if region != "00" else 10_500_000
    return population(region)


_EMPLOYED_BY_LEVEL = {"000": 77.0, "F": 52.0, "3": 79.0, "EU": 86.0, "US": 38.0}
_EMPLOYED_BY_BACKGROUND = {
    "TOT": 0.0,
    "SE": 5.0,
    "SAMUTF": -12.0,
    "INT010": -45.0,
    "INT020": -28.0,
    "INT030": -14.0,
    "INT040": -6.0,
}


def cell_value(seed: int, table_id: str, kind: str, cell: dict[str, str]) -> tuple[float | None, str | None]:
    """One cell's value (a percentage with one decimal) or (None, its status mark)."""
    region, year = cell["Region"], int(cell["Tid"])
    noise = unit(seed, table_id, *sorted(cell.items())) - 0.5
    size = _size(region)
    if kind == "outcomes":
        background, level = cell.get("BakgrVar", "TOT"), cell.get("UtbNiv", "000")
        if level == "US" and background.startswith("INT"):
            return None, "."  # no such group is published
        small = size < 15_000 and (background == "INT010" or level == "F")
        if small and ("Kon" in cell or background != "TOT"):
            return None, ".."
        employed = _EMPLOYED_BY_LEVEL[level] + _EMPLOYED_BY_BACKGROUND[background] + (year - 2023) * 0.4
        if cell.get("Kon") == "2":
            employed -= 2.5 if background in ("TOT", "SE") else 7.0
        employed = max(5.0, min(96.0, employed + noise * 6))
        content = cell["ContentsCode"]
        if content == EMPLOYED_CONTENT.get(table_id):
            value = employed
        elif content == "andel_kvar_sysselsatta_ett_ar":
            value = min(98.0, 70.0 + employed * 0.25 + noise * 4)
        elif content == "andel_langtidsarbetslosa":
            value = max(0.3, (100 - employed) * 0.18 + noise * 2)
        else:  # in a programme with activity support
            value = max(0.2, (100 - employed) * 0.09 + noise)
        return round(value, 1), None
    # matching (E3)
    group = cell.get("Utbildning", "00S")
    if len(region) == 4 and size < 12_000 and group != "00S":
        return None, ".."
    content = cell["ContentsCode"]
    base = {"00S": 62.0, "35E": 54.0, "53B": 71.0, "N1": 40.0, "N2": 60.0, "N3": 66.0}.get(group, 55.0)
    matched = max(10.0, min(95.0, base + (year - 2021) * 0.3 + noise * 12))
    if content == "000008QV":
        return round(matched, 1), None
    if content == "000008QS":
        return round(matched - 50 + noise * 3, 1), None
    return round(noise * 8, 1), None
