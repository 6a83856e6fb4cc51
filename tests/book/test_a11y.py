"""Accessibility: axe-core on every page, alt text, MathML, figures without colour.

axe-core (the npm package, pinned in ``headless.AXE_VERSION``) checks every page of
``_toc.yml`` against the WCAG 2.0/2.1 A and AA rules in headless Chromium: at 1280 px in
the light and the dark theme and at a 390-px phone width, with every dropdown, hidden
cell and exercise solution unfolded. A violation of impact "serious" or "critical" fails
its page; the others are written to ``_build/a11y/report.json`` and ``report.md`` and
summarised in the output. The alt-text and palette tests need no browser.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import matplotlib as mpl
import numpy as np
import pytest

import headless
from conftest import ROOT, toc_files
from mlxday2.plotting import LINESTYLES, PALETTE, animation_html, use_book_style

PAGES = toc_files()
BLOCKING = ("serious", "critical")
# (view, viewport, theme): the views a reader meets.
VIEWS = (
    ("desktop-light", headless.DESKTOP, "light"),
    ("desktop-dark", headless.DESKTOP, "dark"),
    ("phone-light", headless.PHONE, "light"),
)
REPORT = ROOT / "_build" / "a11y"


# --- axe-core in the browser ------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    yield from headless.browser_session(*headless.find_browser())


@pytest.fixture(scope="module")
def audits(browser, built_book) -> dict[str, dict]:
    """Each page's axe violations by view, and its MathJax containers without MathML."""
    axe = headless.axe_source(ROOT)
    site = headless.serve(built_book)
    try:
        found = {page: audit(browser, site, page, axe) for page in PAGES}
    finally:
        site.stop()
    write_report(found)
    return found


def audit(driver, site: headless.Site, page: str, axe: str) -> dict:
    url = urljoin(site.url, f"{page}.html")
    result = {"views": {}, "unfolded": 0, "math": None}
    for view, size, theme in VIEWS:
        headless.set_viewport(driver, headless.DESKTOP)
        headless.open_page(driver, url)
        headless.switch_theme(driver, theme)
        headless.set_viewport(driver, size, mobile=size == headless.PHONE)
        headless.open_page(driver, url)
        if result["math"] is None:
            result["math"] = driver.execute_async_script(headless.MATHML_JS)
        result["unfolded"] = driver.execute_script(headless.UNFOLD_JS)
        # Colours mid-way through the unfolding's fade-in are not what a reader sees.
        driver.execute_async_script(headless.SETTLE_JS)
        driver.execute_script(axe)
        found = driver.execute_async_script(headless.AXE_RUN_JS, headless.AXE_TAGS)
        if isinstance(found, dict):
            pytest.fail(f"{page} ({view}): axe-core failed: {found['error']}")
        result["views"][view] = found
    headless.set_viewport(driver, headless.DESKTOP)
    headless.switch_theme(driver, "light")
    return result


def write_report(found: dict[str, dict]) -> None:
    """Write every violation to ``report.json`` and a table by rule to ``report.md``."""
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / "report.json").write_text(json.dumps(found, indent=1))
    lines = [
        "# Accessibility report (axe-core, WCAG 2.1 A/AA)",
        "",
        f"axe-core {headless.AXE_VERSION}; views: {', '.join(v for v, *_ in VIEWS)}.",
        "",
        "| impact | rule | elements | pages | what to do |",
        "| --- | --- | --- | --- | --- |",
    ]
    for (impact, rule, text), (count, pages) in summary(found).items():
        lines.append(f"| {impact} | {rule} | {count} | {', '.join(pages)} | {text} |")
    (REPORT / "report.md").write_text("\n".join(lines) + "\n")


def summary(found: dict[str, dict]) -> dict:
    """``(impact, rule, help) -> (elements flagged over all views, pages)``."""
    rows: dict = {}
    for page, result in found.items():
        for violations in result["views"].values():
            for v in violations:
                key = (v["impact"], v["id"], v["help"])
                count, pages = rows.get(key, (0, []))
                rows[key] = (
                    count + len(v["nodes"]),
                    pages + [page] * (page not in pages),
                )
    order = {"critical": 0, "serious": 1, "moderate": 2, "minor": 3}
    return dict(sorted(rows.items(), key=lambda kv: (order.get(kv[0][0], 4), kv[0][1])))


@pytest.mark.browser
@pytest.mark.book
@pytest.mark.parametrize("page", PAGES)
def test_no_serious_or_critical_accessibility_violation(audits, page):
    blocking = [
        f"{view}: [{v['impact']}] {v['id']}: {v['help']} ({v['help_url']})\n"
        + "\n".join(f"    {n['target']}: {n['html'][:120]}" for n in v["nodes"][:5])
        for view, violations in audits[page]["views"].items()
        for v in violations
        if v["impact"] in BLOCKING
    ]
    assert not blocking, f"{page}: axe-core violations:\n" + "\n".join(blocking)


@pytest.mark.browser
@pytest.mark.book
@pytest.mark.parametrize("page", PAGES)
def test_math_carries_mathml_for_screen_readers(audits, page):
    math = audits[page]["math"]
    assert not math["without_mathml"], (
        f"{page}: {math['without_mathml']} of {math['containers']} formulas have no "
        f"assistive MathML (MathJax's assistive-mml); e.g. {math['example']}"
    )


@pytest.mark.browser
@pytest.mark.book
def test_the_audit_unfolded_the_solutions_and_wrote_its_report(audits, capsys):
    """What remains (moderate, minor) is printed and written to ``_build/a11y``."""
    unfolded = {page: a["unfolded"] for page, a in audits.items()}
    rows = summary(audits)
    with capsys.disabled():
        print(f"\naxe-core report: {REPORT / 'report.md'} (and report.json)")
        for (impact, rule, _), (count, pages) in rows.items():
            print(f"  {impact:9} {rule:32} {count:4} elements on {len(pages)} pages")
        if not rows:
            print("  no violation in any view")
    assert (REPORT / "report.json").exists() and (REPORT / "report.md").exists()
    assert any(unfolded.values()), f"nothing was unfolded on any page: {unfolded}"


# --- alt text in the built pages ------------------------------------------------------

GENERIC = re.compile(
    r"(figure|fig|image|img|picture|plot|chart|graph|graphic|output|png|jpe?g|svg|gif"
    r"|untitled)?[\s._-]*\d*",
    re.IGNORECASE,
)

# myst-nb writes an output image's own path as its alt text when the cell sets none.
IMAGE_FILE = re.compile(r"\.(png|jpe?g|svg|gif|webp)$", re.IGNORECASE)


class _Images(HTMLParser):
    """Each <img>'s attributes, with the id of the figure it is in (``figure``)."""

    def __init__(self):
        super().__init__()
        self.images: list[dict] = []
        self._figures: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self._figures.append(attrs.get("id") or "")
        if tag == "img":
            self.images.append({**attrs, "figure": next(reversed(self._figures), "")})

    def handle_endtag(self, tag):
        if tag == "figure" and self._figures:
            self._figures.pop()


def weak_alt(image: dict) -> str | None:
    """Why ``image``'s alt text says nothing (missing, empty, generic), else None."""
    alt = image.get("alt")
    if alt is None:
        return "no alt attribute"
    text = alt.strip()
    if not text:
        return "empty alt"
    src = image.get("src") or ""
    name = "" if src.startswith("data:") else Path(urlparse(src).path).name
    if GENERIC.fullmatch(text):
        return f"generic alt {alt!r}"
    named = Path(text).name.lower()
    if IMAGE_FILE.search(text) or (name and named in {name.lower(), Path(name).stem}):
        return f"alt is the file name {alt!r}"
    return None


@pytest.mark.book
@pytest.mark.parametrize("page", PAGES)
def test_every_image_has_alt_text_that_says_what_it_shows(built_book, page):
    parser = _Images()
    parser.feed((built_book / f"{page}.html").read_text())
    weak = []
    for index, image in enumerate(parser.images, 1):
        why = weak_alt(image)
        if why:
            where = f"figure #{image['figure']}" if image["figure"] else "no figure"
            src = image.get("src") or image.get("id") or "?"
            src = src[:40] + "..." if src.startswith("data:") else Path(src).name[:24]
            weak.append(f"  image {index}, {where} ({src}): {why[:60]}")
    assert not weak, (
        f"{page}: {len(weak)} of {len(parser.images)} images lack alt text that says "
        "what they show (set `mystnb: image: alt:` in the figure cell's metadata):\n"
        + "\n".join(weak)
    )


@pytest.mark.parametrize(
    "image, weak",
    [
        ({"src": "a.png"}, True),
        ({"src": "a.png", "alt": " "}, True),
        ({"src": "a.png", "alt": "png"}, True),
        ({"src": "a.png", "alt": "Figure 3"}, True),
        ({"src": "../_images/abc123.png", "alt": "abc123"}, True),
        ({"src": "../_images/abc123.png", "alt": "../_images/abc123.png"}, True),
        ({"src": "a.png", "alt": "Loss falls from 2.3 to 0.9 over 8 epochs"}, False),
    ],
)
def test_weak_alt_tells_generic_from_descriptive(image, weak):
    assert (weak_alt(image) is not None) == weak


# --- figures readable without colour ----------------------------------------------

# Machado, Oliveira and Fernandes (2009), IEEE TVCG 15(6): full-severity simulation of
# protanopia, deuteranopia and tritanopia, applied to linear RGB.
CVD = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}
# CIE76 colour difference below which two line colours are easy to confuse.
MIN_DELTA_E = 15.0


def linear_rgb(colour: str) -> np.ndarray:
    rgb = np.array(mpl.colors.to_rgb(colour))
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def lab(linear: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of linear sRGB."""
    xyz = np.array(
        [
            [0.4124, 0.3576, 0.1805],
            [0.2126, 0.7152, 0.0722],
            [0.0193, 0.1192, 0.9505],
        ]
    ) @ np.clip(linear, 0, 1)
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""
    lum = [float(linear_rgb(c) @ [0.2126, 0.7152, 0.0722]) for c in (a, b)]
    return (max(lum) + 0.05) / (min(lum) + 0.05)


@pytest.mark.parametrize("vision", ["typical", *CVD])
def test_palette_colours_stay_apart_under_colour_vision_deficiency(vision):
    matrix = np.eye(3) if vision == "typical" else np.array(CVD[vision])
    seen = [lab(matrix @ linear_rgb(c)) for c in PALETTE]
    close = [
        f"{PALETTE[i]} ~ {PALETTE[j]}: delta E {np.linalg.norm(seen[i] - seen[j]):.1f}"
        for i in range(len(PALETTE))
        for j in range(i + 1, len(PALETTE))
        if np.linalg.norm(seen[i] - seen[j]) < MIN_DELTA_E
    ]
    assert not close, f"{vision}: palette colours hard to tell apart: {close}"


def test_the_style_cycle_tells_series_apart_without_colour():
    use_book_style()
    cycle = list(mpl.rcParams["axes.prop_cycle"])
    assert [c["color"] for c in cycle] == list(PALETTE)
    styles = [str(mpl.lines._get_dash_pattern(c["linestyle"])) for c in cycle]
    assert len(set(styles)) == len(PALETTE) == len(LINESTYLES), styles


def test_figure_text_keeps_contrast_on_the_figure_background():
    """Figures keep their own light background in both themes (test_browser checks the
    dark one), so their text must contrast with that background: WCAG's 4.5:1."""
    use_book_style()
    rc = mpl.rcParams
    for background in (rc["figure.facecolor"], rc["axes.facecolor"]):
        for key in (
            "text.color",
            "axes.labelcolor",
            "xtick.labelcolor",
            "ytick.labelcolor",
        ):
            colour = rc[key]
            if colour == "inherit":
                colour = rc[key.replace("labelcolor", "color")]
            assert contrast(colour, background) >= 4.5, (key, colour, background)


def test_the_strong_palette_colours_reach_3_to_1_on_white():
    """WCAG 1.4.11 asks 3:1 of graphics; PALETTE says which of its colours reach it."""
    strong = [c for c in PALETTE if contrast(c, "white") >= 3]
    assert strong == list(PALETTE[:4]) + ["#000000"], strong


def test_an_animation_carries_its_alt_text_and_a_labelled_slider():
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 1])
    anim = FuncAnimation(fig, lambda i: line.set_ydata([0, i]), frames=2)
    alt = 'A line tilting upward, frame by frame ("demo")'
    html = animation_html(anim, alt=alt)
    with pytest.raises(ValueError, match="alt"):
        animation_html(anim, alt="  ")
    plt.close(fig)
    assert 'alt="A line tilting upward, frame by frame (&quot;demo&quot;)"' in html
    assert 'class="anim-slider" aria-label="Animation frame"' in html
