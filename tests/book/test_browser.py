"""The built site in a real browser: headless Chromium, offline, on every toc page.

Each page is opened once (``visits``): at 1280 px in the light theme, then in the dark
theme chosen with the theme's own toggle, then at a 390-px phone width, with a
screenshot of each (``_build/screenshots/``). The tests below read what was seen there,
so a failure names the page, the check and the element. Run them alone with
``pytest -m browser`` (they use the book that the ``built_book`` fixture builds; see the
README, "Testing the site in a browser").
"""

from __future__ import annotations

import shutil
import struct
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
import yaml

import headless
from conftest import ROOT, toc_files
from headless import open_page, switch_theme, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.book]

PAGES = toc_files()
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
# The search check: this word must find this page.
SEARCH_WORD, SEARCH_PAGE = "Simpson", "book/causality"
LIGHT_ENOUGH = (
    0.6  # relative luminance of the background a figure shows in the dark theme
)


def check(ok, message: str) -> None:
    """Fail with ``message`` alone (page, check, element) unless ``ok``."""
    if not ok:
        pytest.fail(message, pytrace=False)


@dataclass
class Visit:
    """What the browser saw on one page; ``broken``: probes that raised, by check."""

    page: str
    broken: dict[str, str] = field(default_factory=dict)
    themes_seen: list[str] = field(default_factory=list)
    traffic: headless.Traffic | None = None
    images: list[dict] = field(default_factory=list)
    math: dict | None = None
    code: list[dict] = field(default_factory=list)
    phone: dict | None = None
    figures_dark: list[dict] = field(default_factory=list)
    animations: list[dict] = field(default_factory=list)
    menus: dict | None = None
    has_cells: bool = False
    screenshots: list[Path] = field(default_factory=list)

    def probe(self, check: str, run):
        """Return ``run()``; if it raises, note why under ``check`` and return None."""
        try:
            return run()
        except (
            Exception
        ) as err:  # a probe that breaks fails its check, not the whole visit
            self.broken[check] = (
                f"{type(err).__name__}: {str(err).splitlines()[0][:300]}"
            )
            return None

    def require(self, check: str):
        """Fail the test of ``check`` if its probe broke."""
        if check in self.broken:
            pytest.fail(
                f"{self.page}: {check}: the probe failed: {self.broken[check]}",
                pytrace=False,
            )


# --- the browser session ----------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def chromium_paths() -> tuple[str, str]:
    """Chromium and chromedriver, looked for before anything is built (session fixtures
    such as ``built_book`` come first otherwise): skip with a hint if absent, fail if
    ``CI`` is set."""
    return headless.find_browser()


@pytest.fixture(scope="module")
def browser(chromium_paths):
    """A headless Chromium (fresh profile) for this module."""
    yield from headless.browser_session(*chromium_paths)


@pytest.fixture(scope="module")
def site(browser, built_book):
    """The built book served on 127.0.0.1."""
    served = headless.serve(built_book)
    yield served
    served.stop()


@pytest.fixture(scope="module")
def screenshot_dir(built_book) -> Path:
    folder = built_book.parent / "screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def shoot(driver, folder: Path, page: str, view: str, theme: str) -> Path:
    name = f"{page.replace('/', '_')}-{view}-{theme}.png"
    return headless.screenshot(driver, folder / name)


def shoot_first_figure(driver, folder: Path, page: str, theme: str) -> Path | None:
    """Screenshot the first figure of the page's output (if any) in ``theme``."""
    from selenium.webdriver.common.by import By

    figures = driver.find_elements(
        By.CSS_SELECTOR, "article .cell_output img, article figure img"
    )
    figures = [f for f in figures if f.is_displayed() and f.size["width"] > 50]
    if not figures:
        return None
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", figures[0])
    path = folder / f"{page.replace('/', '_')}-figure-{theme}.png"
    figures[0].screenshot(str(path))
    return path


def step_animations(driver) -> list[dict]:
    """Pause every jshtml animation, press "Next frame"; return what changed."""
    from selenium.webdriver.common.by import By

    results = []
    for index, anim in enumerate(
        driver.find_elements(By.CSS_SELECTOR, "div.animation")
    ):
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", anim)
        image = anim.find_element(By.CSS_SELECTOR, "img")
        slider = anim.find_element(By.CSS_SELECTOR, "input.anim-slider")
        anim.find_element(By.CSS_SELECTOR, "button[title='Pause']").click()
        before = (image.get_attribute("src"), slider.get_attribute("value"))
        anim.find_element(By.CSS_SELECTOR, "button[title='Next frame']").click()
        time.sleep(0.3)
        after = (image.get_attribute("src"), slider.get_attribute("value"))
        results.append(
            {
                "element": (
                    f"div.animation #{index + 1} (img#{image.get_attribute('id')})"
                ),
                "frames": slider.get_attribute("max"),
                "slider": f"{before[1]} -> {after[1]}",
                "image_changed": before[0] != after[0],
                "slider_moved": before[1] != after[1],
                "decoded": driver.execute_script(
                    "return arguments[0].naturalWidth", image
                )
                > 0,
            }
        )
    return results


def open_menus(driver) -> dict:
    """Open the launch and download menus; return each one's visible entries."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    menus = {}
    for name, selector in (
        ("launch", ".dropdown-launch-buttons"),
        ("download", ".dropdown-download-buttons"),
    ):
        found = [
            m
            for m in driver.find_elements(By.CSS_SELECTOR, selector)
            if m.is_displayed()
        ]
        if not found:
            menus[name] = None
            continue
        menu = found[0]
        menu.find_element(By.CSS_SELECTOR, "button.dropdown-toggle").click()
        time.sleep(0.3)
        entries = []
        for item in menu.find_elements(
            By.CSS_SELECTOR, ".dropdown-menu a, .dropdown-menu button"
        ):
            entries.append(
                {
                    "text": item.text.strip(),
                    "href": item.get_attribute("href"),
                    "onclick": item.get_attribute("onclick"),
                    "shown": item.is_displayed(),
                }
            )
        menus[name] = entries
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
        time.sleep(0.2)
    menus["thebe_config"] = driver.execute_script(
        "const s = document.querySelector('script[type=\"text/x-thebe-config\"]');"
        "return s ? s.textContent : null;"
    )
    return menus


def visit(driver, site: headless.Site, page: str, folder: Path) -> Visit:
    """Open ``page`` in every view this module checks; record what the browser saw."""
    seen = Visit(page=page)
    url = urljoin(site.url, f"{page}.html")
    headless.set_viewport(driver, headless.DESKTOP)
    headless.drain_logs(driver)
    open_page(driver, url)
    seen.probe("theme toggle", lambda: switch_theme(driver, "light"))
    images = seen.probe(
        "images", lambda: driver.execute_async_script(headless.IMAGES_JS)
    )
    seen.images = images or []
    driver.execute_script("window.scrollTo(0, 0)")
    seen.math = seen.probe(
        "math", lambda: driver.execute_async_script(headless.MATH_JS)
    )
    seen.has_cells = driver.execute_script(
        "return !!document.querySelector('article div.cell')"
    )
    shots = [
        seen.probe(
            "screenshots", lambda: shoot(driver, folder, page, "desktop", "light")
        ),
        seen.probe(
            "screenshots", lambda: shoot_first_figure(driver, folder, page, "light")
        ),
    ]
    seen.animations = seen.probe("animation", lambda: step_animations(driver)) or []
    seen.menus = seen.probe("menus", lambda: open_menus(driver))
    seen.code = (
        seen.probe("code width", lambda: driver.execute_script(headless.CODE_JS)) or []
    )

    # The dark theme, chosen with the theme's toggle, on a freshly loaded page.
    open_page(driver, url)
    seen.themes_seen.append(
        seen.probe("theme toggle", lambda: switch_theme(driver, "dark"))
    )
    if seen.themes_seen[-1] == "dark":
        seen.figures_dark = (
            seen.probe(
                "dark figures",
                lambda: driver.execute_script(headless.FIGURE_BACKGROUND_JS),
            )
            or []
        )
        shots.append(
            seen.probe(
                "screenshots", lambda: shoot(driver, folder, page, "desktop", "dark")
            )
        )
        shots.append(
            seen.probe(
                "screenshots", lambda: shoot_first_figure(driver, folder, page, "dark")
            )
        )
    else:
        seen.broken.setdefault(
            "dark figures", "the dark theme could not be switched on"
        )

    # A phone, freshly loaded (the theme chosen above persists): in dark, then in light.
    headless.set_viewport(driver, headless.PHONE, mobile=True)
    open_page(driver, url)
    seen.phone = seen.probe(
        "phone width", lambda: driver.execute_script(headless.OVERFLOW_JS)
    )
    shots.append(
        seen.probe("screenshots", lambda: shoot(driver, folder, page, "phone", "dark"))
    )
    headless.set_viewport(driver, headless.DESKTOP)
    seen.probe("theme toggle", lambda: switch_theme(driver, "light"))
    headless.set_viewport(driver, headless.PHONE, mobile=True)
    open_page(driver, url)
    shots.append(
        seen.probe("screenshots", lambda: shoot(driver, folder, page, "phone", "light"))
    )
    headless.set_viewport(driver, headless.DESKTOP)
    seen.screenshots = [s for s in shots if s]
    seen.traffic = seen.probe(
        "traffic", lambda: headless.read_traffic(driver, site.url)
    )
    return seen


@pytest.fixture(scope="module")
def visits(browser, site, screenshot_dir) -> dict[str, Visit]:
    """Every page of ``_toc.yml`` visited once, in order."""
    return {page: visit(browser, site, page, screenshot_dir) for page in PAGES}


# --- the checks, one per page -----------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_no_console_errors(visits, page):
    seen = visits[page]
    seen.require("traffic")
    check(
        not seen.traffic.console_errors,
        (f"{page}: console errors:\n" + "\n".join(seen.traffic.console_errors)),
    )


@pytest.mark.parametrize("page", PAGES)
def test_every_request_is_local_and_succeeds(visits, page):
    seen = visits[page]
    seen.require("traffic")
    check(
        not seen.traffic.failed,
        f"{page}: failed requests:\n" + "\n".join(seen.traffic.failed),
    )
    check(
        not seen.traffic.outside,
        (
            f"{page}: requests that leave the site (the book must work offline):\n"
            + "\n".join(sorted(set(seen.traffic.outside)))
        ),
    )


@pytest.mark.parametrize("page", PAGES)
def test_images_are_decoded_and_visible(visits, page):
    seen = visits[page]
    seen.require("images")
    undecoded = [i["element"] for i in seen.images if i["natural_width"] == 0]
    check(not undecoded, f"{page}: images not decoded (naturalWidth 0): {undecoded}")
    shown = lambda i: i["visible"] and i["width"] > 0 and i["height"] > 0  # noqa: E731
    hidden = [
        i["element"] for i in seen.images if not i["in_collapsed"] and not shown(i)
    ]
    check(not hidden, f"{page}: images not visible: {hidden}")


@pytest.mark.parametrize("page", PAGES)
def test_math_renders_from_the_site(visits, page, site):
    seen = visits[page]
    seen.require("math")
    math = seen.math
    check(not math["raw_tex"], f"{page}: math left as raw TeX: {math['raw_tex']}")
    check(
        not math["unrendered"],
        (f"{page}: math elements MathJax did not render: {math['unrendered']}"),
    )
    if math["math_elements"]:
        check(
            math["mathjax_loaded"],
            f"{page}: MathJax did not load ({math['mathjax_scripts']})",
        )
        check(
            math["rendered"] > 0,
            (f"{page}: no <mjx-container> for {math['math_elements']} formulas"),
        )
    foreign = [s for s in math["mathjax_scripts"] if not s.startswith(site.url)]
    check(not foreign, f"{page}: MathJax is loaded from outside the site: {foreign}")


@pytest.mark.parametrize("page", PAGES)
def test_no_horizontal_overflow_on_a_phone(visits, page):
    seen = visits[page]
    seen.require("phone width")
    phone = seen.phone
    check(
        phone["scroll_width"] <= phone["client_width"] + 1,
        (
            f"{page}: at {headless.PHONE[0]} px the page is "
            f"{phone['scroll_width']} px wide; "
            f"sticking out: {phone['culprits']}"
        ),
    )


@pytest.mark.parametrize("page", PAGES)
def test_no_code_cell_scrolls_sideways_on_a_desktop(visits, page):
    seen = visits[page]
    seen.require("code width")
    wide = [
        f"{c['element']}: {c['overflow_px']} px too wide ({c['fits_chars']} characters "
        f"fit), longest line {c['longest_line']}"
        for c in seen.code
    ]
    check(
        not wide,
        (
            f"{page}: code blocks that scroll sideways at {headless.DESKTOP[0]} px "
            f"(lines must be at most 88 characters):\n" + "\n".join(wide)
        ),
    )


@pytest.mark.parametrize("page", PAGES)
def test_dark_theme_keeps_figures_on_a_light_background(visits, page):
    seen = visits[page]
    seen.require("theme toggle")
    seen.require("dark figures")
    dark = [
        f
        for f in seen.figures_dark
        if not f["dark_aware"] and f["background_luminance"] < LIGHT_ENOUGH
    ]
    details = [
        f"{f['element']}: shows background rgb{tuple(f['background'])} "
        f"(luminance {f['background_luminance']:.2f}, "
        f"{f['transparent_fraction']:.0%} transparent pixels)"
        for f in dark
    ]
    check(
        not details,
        (
            f"{page}: in the dark theme these figures show a dark background, "
            f"so black labels are unreadable:\n" + "\n".join(details)
        ),
    )


@pytest.mark.parametrize("page", PAGES)
def test_animations_step_to_the_next_frame(visits, page):
    seen = visits[page]
    seen.require("animation")
    for anim in seen.animations:
        check(
            anim["decoded"],
            f"{page}: animation: {anim['element']} shows no decoded frame",
        )
        check(
            anim["image_changed"] and anim["slider_moved"],
            (
                f"{page}: animation: pressing 'Next frame' on {anim['element']} did "
                f"not change the frame (slider {anim['slider']}, image changed: "
                f"{anim['image_changed']})"
            ),
        )


def test_the_book_has_an_animation(visits):
    animated = {page: len(v.animations) for page, v in visits.items() if v.animations}
    check(
        animated,
        "no page has a jshtml animation, so the animation check checked nothing",
    )


def _expected_launch_targets(page: str) -> dict[str, str]:
    """Where ``_config.yml`` says the launch buttons of ``page`` lead (URL prefixes)."""
    org_repo = urlparse(CONFIG["repository"]["url"]).path.strip("/")
    branch = CONFIG["repository"].get("branch", "main")
    book = CONFIG["repository"].get("path_to_book", "").strip("/")
    prefix = f"{book}/" if book else ""
    launch = CONFIG["launch_buttons"]
    source = next(
        p for p in (ROOT / f"{page}.md", ROOT / f"{page}.ipynb") if p.exists()
    )
    notebooks = CONFIG["sphinx"]["config"].get("colab_notebooks_branch", branch)
    targets = {}
    if launch.get("binderhub_url"):
        binder = launch["binderhub_url"].rstrip("/")
        targets["Binder"] = (
            f"{binder}/v2/gh/{org_repo}/{branch}?",
            f"{prefix}{page}{source.suffix}",
        )
    if launch.get("colab_url"):
        colab = launch["colab_url"].rstrip("/")
        targets["Colab"] = (
            f"{colab}/github/{org_repo}/blob/{notebooks}/{prefix}{page}.ipynb",
            "",
        )
    return targets


@pytest.mark.parametrize("page", PAGES)
def test_launch_menu_opens_and_points_where_the_config_says(visits, page):
    seen = visits[page]
    seen.require("menus")
    if not seen.has_cells:
        pytest.skip(f"{page} has no code cells, so no launch menu")
    entries = seen.menus["launch"]
    check(entries, f"{page}: launch menu: no visible .dropdown-launch-buttons")
    hidden = [e["text"] for e in entries if not e["shown"]]
    check(
        not hidden, f"{page}: launch menu: entries not shown after opening it: {hidden}"
    )
    by_text = {e["text"]: e for e in entries}
    for name, (start, end) in _expected_launch_targets(page).items():
        check(
            name in by_text,
            f"{page}: launch menu: no {name!r} entry (has {list(by_text)})",
        )
        href = by_text[name]["href"] or ""
        check(
            href.startswith(start) and href.endswith(end),
            (
                f"{page}: launch menu: {name} leads to {href!r}, "
                f"_config.yml says {start}...{end}"
            ),
        )
    if CONFIG["launch_buttons"].get("thebe"):
        check("Live Code" in by_text, f"{page}: launch menu: no 'Live Code' entry")
        thebe = seen.menus["thebe_config"] or ""
        org_repo = urlparse(CONFIG["repository"]["url"]).path.strip("/")
        check(
            org_repo in thebe and CONFIG["repository"]["branch"] in thebe,
            (
                f"{page}: Live Code: the Thebe configuration does not name {org_repo} "
                f"@ {CONFIG['repository']['branch']}: {thebe!r}"
            ),
        )


@pytest.mark.parametrize("page", PAGES)
def test_download_menu_opens_and_its_files_exist(visits, page, site):
    seen = visits[page]
    seen.require("menus")
    entries = seen.menus["download"]
    check(entries, f"{page}: download menu: no visible .dropdown-download-buttons")
    hidden = [e["text"] for e in entries if not e["shown"]]
    check(
        not hidden,
        f"{page}: download menu: entries not shown after opening it: {hidden}",
    )
    links = [e for e in entries if e["href"]]
    source = next(
        p for p in (ROOT / f"{page}.md", ROOT / f"{page}.ipynb") if p.exists()
    )
    wanted = {source.suffix} | ({".ipynb"} if seen.has_cells else set())
    offered = {Path(urlparse(e["href"]).path).suffix for e in links}
    check(
        wanted <= offered,
        (f"{page}: download menu offers {sorted(offered)}, not {sorted(wanted)}"),
    )
    for entry in links:
        check(
            entry["href"].startswith(site.url),
            (
                f"{page}: download menu: {entry['text']} leaves the site: "
                f"{entry['href']}"
            ),
        )
        with urllib.request.urlopen(entry["href"], timeout=10) as response:
            check(
                response.status == 200 and response.read(1),
                (f"{page}: download menu: {entry['text']} ({entry['href']}) is empty"),
            )


def test_search_finds_the_word_and_links_its_chapter(browser, site):
    from selenium.webdriver.common.by import By

    open_page(browser, urljoin(site.url, f"search.html?q={SEARCH_WORD}"))
    found = wait_for(
        browser,
        "const r = document.querySelectorAll('#search-results ul.search li a');"
        "return r.length ? Array.from(r).map(a => a.href) : null;",
        timeout=20,
    )
    summary = browser.find_elements(By.CSS_SELECTOR, "#search-results p")
    check(
        found,
        (
            f"search.html: searching {SEARCH_WORD!r} found nothing "
            f"({summary[0].text if summary else 'no result list'})"
        ),
    )
    target = urljoin(site.url, f"{SEARCH_PAGE}.html")
    check(
        any(href.split("?")[0].split("#")[0] == target for href in found),
        (f"search.html: {SEARCH_WORD!r} does not link {SEARCH_PAGE}; results: {found}"),
    )


def test_screenshots_of_every_page(visits, screenshot_dir, capsys):
    """Every page has four screenshots (desktop/phone x light/dark); list them all."""
    views = ["desktop-light", "desktop-dark", "phone-light", "phone-dark"]
    missing = [
        f"{page}: {view}"
        for page in PAGES
        for view in views
        if not (screenshot_dir / f"{page.replace('/', '_')}-{view}.png").exists()
    ]
    shots = sorted(screenshot_dir.glob("*.png"))
    index = screenshot_dir / "index.html"
    index.write_text(
        "<!doctype html><meta charset=utf-8><title>Screenshots</title>\n"
        + "\n".join(
            f'<h3>{s.name}</h3><img src="{s.name}" alt="screenshot {s.stem}" '
            'style="max-width:100%;border:1px solid #888">'
            for s in shots
        )
    )
    with capsys.disabled():
        print(f"\nscreenshots of the site ({len(shots)} files, see {index}):")
        for shot in shots:
            width, height = struct.unpack(
                ">II", shot.read_bytes()[16:24]
            )  # the PNG header
            cut = (
                " (the top of a longer page)"
                if height >= headless.MAX_SHOT_HEIGHT
                else ""
            )
            print(f"  {shot}  {width}x{height}{cut}")
    check(not missing, f"screenshots missing: {missing}")
