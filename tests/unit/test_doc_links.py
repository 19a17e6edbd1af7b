"""Every relative link in README.md and docs/**/*.md resolves: the file exists, and an #anchor
into a Markdown file names one of its headings as GitHub renders it. External links are not
fetched.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([REPO_ROOT / "README.md", *(REPO_ROOT / "docs").rglob("*.md")])

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](target "title") and ![alt](target); the text may hold one level of brackets (badges).
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.I)
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks."""
    lines, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading (github-slugger): its rendered text in lower case, every
    character that is not a letter, digit, mark, space, hyphen or underscore removed, and each
    space made a hyphen (not collapsed)."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link shows its text
    text = re.sub(r"<[^>]+>", "", text)  # HTML tags
    text = re.sub(r"(\*{1,3})(\S(?:.*?\S)?)\1", r"\2", text)  # *emphasis*, **strong**
    kept = []
    for char in text.lower():
        category = unicodedata.category(char)
        if char in " -_" or category[0] in "LNM":
            kept.append(char)
    return "".join(kept).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every anchor a Markdown page offers: its headings' slugs (repeats get -1, -2, ...) and
    explicit HTML anchors."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for _, line in prose_lines(page.read_text(encoding="utf-8")):
        heading = HEADING.match(line)
        if heading:
            slug = github_slug(heading[2])
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else f"{slug}-{count}")
        found.update(HTML_ANCHOR.findall(line))
    return found


def links(page: Path) -> list[tuple[int, str]]:
    """(line number, target) of every link in the page's prose (code spans and blocks skipped);
    a link's text may run over several lines."""
    prose = dict(prose_lines(page.read_text(encoding="utf-8")))
    count = max(prose, default=0)
    text = "\n".join(INLINE_CODE.sub("", prose.get(number, "")) for number in range(1, count + 1))
    found = [(text.count("\n", 0, match.start(1)) + 1, match[1]) for match in INLINE_LINK.finditer(text)]
    for number, line in enumerate(text.splitlines(), 1):
        definition = REFERENCE_DEFINITION.match(line)
        if definition:
            found.append((number, definition[1]))
    return found


def broken_links(page: Path, root: Path = REPO_ROOT) -> list[str]:
    """What is wrong with the page's relative links, one line each; external links are skipped."""
    problems = []
    for number, target in links(page):
        if not target or SCHEME.match(target) or target.startswith("//"):
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        where = f"{page.relative_to(root)}:{number}: {target}"
        if not resolved.exists():
            problems.append(f"{where}: no such file")
            continue
        if anchor and resolved.is_file() and resolved.suffix == ".md" and anchor not in anchors(resolved):
            problems.append(f"{where}: no heading #{anchor} in {resolved.relative_to(root)}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO_ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_the_pages_are_found() -> None:
    names = {str(page.relative_to(REPO_ROOT)) for page in PAGES}
    assert {"README.md", "docs/architecture.md", "docs/load-path.md", "docs/feeds.md"} <= names
    assert any(name.startswith("docs/upstreams/") for name in names)


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("A batch's states", "a-batchs-states"),
        ("Alerts (e-mail and webhook, by connection)", "alerts-e-mail-and-webhook-by-connection"),
        ("Scaling out: pools keep the upstreams' limits", "scaling-out-pools-keep-the-upstreams-limits"),
        ("What `make demo` prints", "what-make-demo-prints"),
        ("employment_agency_job_ads", "employment_agency_job_ads"),
        ("Following one ad from its DAG to core.job_ad", "following-one-ad-from-its-dag-to-corejob_ad"),
        ("The layers: raw → staging → core → mart", "the-layers-raw--staging--core--mart"),
        ("Vägled i Östra Mellansverige", "vägled-i-östra-mellansverige"),
        ("[Data health](operations.md) **page**", "data-health-page"),
    ],
)
def test_github_slug(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


def test_a_broken_link_and_a_missing_anchor_are_reported(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other\n\n## A batch's states\n\n## Twice\n\n## Twice\n")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/other.md#a-batchs-states) [ok](docs/other.md#twice-1) [ok](#top) "
        "[gone](docs/missing.md) [bad anchor](docs/other.md#nowhere)\n"
        "[external](https://example.org/missing) `[in code](nowhere.md)` [over\ntwo lines](gone.md)\n"
        "```\n[in a block](nowhere.md)\n```\n"
        "[ref]: docs/absent.md\n"
        "# Top\n"
    )
    problems = broken_links(page, root=tmp_path)
    assert len(problems) == 4, problems
    assert any("README.md:3: gone.md: no such file" in problem for problem in problems)
    assert any("docs/missing.md: no such file" in problem for problem in problems)
    assert any("no heading #nowhere in docs/other.md" in problem for problem in problems)
    assert any("docs/absent.md: no such file" in problem for problem in problems)
