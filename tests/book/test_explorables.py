"""Explorable figures and self-check questions in headless Chromium, offline.

Every teaching chapter is opened from the built site. For each explorable figure the
test reads the JSON the build embedded (the package's numbers), moves each control with
the keyboard through all its values, and checks that the image changes to the state's
frame and that the numbers and the control's value shown on the page are the embedded
ones. Each self-check question is answered wrong and right, and its feedback checked.
The page must log no console error, request nothing off the site, and stay under 3 MB
(as a host that compresses text sends it).
"""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import test_browser

import headless
from conftest import toc_chapters

pytestmark = [pytest.mark.browser, pytest.mark.book]

# The browser of test_browser.py: Chromium and its driver found (or the test skipped),
# a fresh profile, the light colour scheme.
chromium_paths, browser = test_browser.chromium_paths, test_browser.browser

CHAPTERS = toc_chapters()
MAX_PAGE_BYTES = 3_000_000

# Everything about one explorable: its data, what is shown, and each control's element.
STATE_JS = """
const root = arguments[0];
const image = root.querySelector('img.explorable-figure');
const numbers = {};
root.querySelectorAll('[data-number]')
  .forEach(d => numbers[d.dataset.number] = d.textContent);
const values = Array.from(root.querySelectorAll('.explorable-control output'))
  .map(o => o.textContent);
const valuetexts = Array.from(root.querySelectorAll('input[type=range]'))
  .map(r => r.getAttribute('aria-valuetext'));
return {key: root.dataset.state, src: image.getAttribute('src'), alt: image.alt,
        numbers: numbers, values: values, valuetexts: valuetexts,
        controls_hidden: root.querySelector('.explorable-controls').hidden};
"""

# What the controls are labelled with, as a screen reader finds it.
LABELS_JS = """
const root = arguments[0];
return Array.from(root.querySelectorAll('input')).map(input => {
  const label = input.labels && input.labels.length
    ? input.labels[0].textContent.trim() : '';
  const fieldset = input.closest('fieldset');
  const legend = fieldset && fieldset.querySelector('legend');
  return {type: input.type, label: label,
          legend: legend ? legend.textContent.trim() : ''};
});
"""

PAGE_URLS_JS = """
return [location.href].concat(
  performance.getEntriesByType('resource').map(r => r.name));
"""
# What a host that compresses text (GitHub Pages does) sends; images and fonts go as is.
COMPRESSED = {".html", ".js", ".css", ".svg", ".json", ".txt"}


def transferred_bytes(urls: list[str], root: Path) -> int:
    """Return the bytes of the site's files at ``urls``, text gzip-compressed."""
    total = 0
    for path in {root / unquote(urlparse(url).path).lstrip("/") for url in urls}:
        if path.is_file():
            data = path.read_bytes()
            total += (
                len(gzip.compress(data)) if path.suffix in COMPRESSED else len(data)
            )
    return total


def check(ok, message: str) -> None:
    if not ok:
        pytest.fail(message, pytrace=False)


@pytest.fixture(scope="module")
def site(browser, built_book):
    served = headless.serve(built_book)
    yield served
    served.stop()


def open_chapter(driver, site, chapter: str) -> None:
    headless.drain_logs(driver)
    driver.get(f"{site.url}{chapter}.html")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if driver.execute_script("return document.readyState") == "complete":
            break
        time.sleep(0.2)


def embedded(driver, root) -> dict:
    text = driver.execute_script(
        "return arguments[0].querySelector('script.explorable-data').textContent", root
    )
    return json.loads(text)


def expected(data: dict, key: str, static_src: str) -> tuple[str, dict]:
    frame = data["frames"][key]
    return frame["image"] or static_src, frame


def assert_shows(driver, root, data, static_src, chapter, where):
    shown = driver.execute_script(STATE_JS, root)
    src, frame = expected(data, shown["key"], static_src)
    name = data["name"]
    check(
        shown["src"] == src,
        f"{chapter}: {name} at {where}: the image is not state {shown['key']}'s frame",
    )
    check(shown["alt"] == frame["alt"], f"{chapter}: {name}: alt text not the state's")
    for index, label in enumerate(data["numbers"]):
        number, text = frame["numbers"][label], shown["numbers"].get(str(index))
        check(
            text == number["text"],
            f"{chapter}: {name} at {where}: {label!r} shows {text!r}, "
            f"the build computed {number['text']!r}",
        )
        text_value = float(number["text"])
        check(
            abs(text_value - number["value"])
            <= 0.51 * _last_digit(number["text"]) + 1e-12 * abs(number["value"]),
            f"{chapter}: {name}: {label!r} text {number['text']} is not its value "
            f"{number['value']}",
        )
    indices = [int(i) for i in shown["key"].split("-")]
    texts = [c["texts"][i] for c, i in zip(data["controls"], indices)]
    check(
        shown["values"] == texts,
        f"{chapter}: {name}: shown values {shown['values']}, want {texts}",
    )
    ranges = [t for c, t in zip(data["controls"], texts) if c["kind"] == "range"]
    check(shown["valuetexts"] == ranges, f"{chapter}: {name}: aria-valuetext stale")
    return shown


def _last_digit(text: str) -> float:
    """Return the size of one unit in the last digit of a formatted number."""
    mantissa = text.lower().split("e")[0]
    exponent = int(text.lower().split("e")[1]) if "e" in text.lower() else 0
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 10.0 ** (exponent - decimals)


def move_through(driver, root, data, index, static_src, chapter):
    """Step control ``index`` through all its values with the keyboard; check each."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    control = data["controls"][index]
    box = root.find_element(By.CSS_SELECTOR, f'[data-control="{control["name"]}"]')
    inputs = box.find_elements(By.CSS_SELECTOR, "input")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    first = inputs[0]
    if control["kind"] == "range":
        first.send_keys(Keys.HOME)
    else:
        first.click()
    seen = {assert_shows(driver, root, data, static_src, chapter, "start")["src"]}
    for step in range(1, len(control["texts"])):
        key = Keys.ARROW_RIGHT if control["kind"] == "range" else Keys.ARROW_DOWN
        driver.switch_to.active_element.send_keys(key)
        shown = assert_shows(driver, root, data, static_src, chapter, f"step {step}")
        state = [int(i) for i in shown["key"].split("-")]
        check(
            state[index] == step,
            f"{chapter}: {data['name']}: the keyboard moved {control['name']} to "
            f"{state[index]}, want {step}",
        )
        check(
            shown["src"] not in seen,
            f"{chapter}: {data['name']}: the figure did not change at step {step}",
        )
        seen.add(shown["src"])


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_explorables_show_the_embedded_states(browser, site, chapter):
    from selenium.webdriver.common.by import By

    open_chapter(browser, site, chapter)
    roots = browser.find_elements(By.CSS_SELECTOR, "[data-explorable]")
    check(roots, f"{chapter}: no explorable figure")
    for root in roots:
        data = embedded(browser, root)
        static_src = browser.execute_script(
            "return arguments[0].querySelector('img.explorable-figure')"
            ".getAttribute('src')",
            root,
        )
        shown = assert_shows(browser, root, data, static_src, chapter, "load")
        check(not shown["controls_hidden"], f"{chapter}: controls still hidden")
        check(
            shown["key"] == "-".join(map(str, data["default"])),
            f"{chapter}: {data['name']} does not open on its default state",
        )
        for label in browser.execute_script(LABELS_JS, root):
            check(
                label["label"] and (label["type"] == "range" or label["legend"]),
                f"{chapter}: {data['name']}: an unlabelled {label['type']} input",
            )
        for index in range(len(data["controls"])):
            move_through(browser, root, data, index, static_src, chapter)
    traffic = headless.read_traffic(browser, site.url)
    check(not traffic.console_errors, f"{chapter}: {traffic.console_errors}")
    check(not traffic.outside, f"{chapter}: requests off the site: {traffic.outside}")
    check(not traffic.failed, f"{chapter}: failed requests: {traffic.failed}")


def answer(driver, form, reply) -> dict:
    """Give ``reply`` (text, or a choice's index) and press Enter or Check."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", form)
    if form.get_attribute("data-kind") == "number":
        box = form.find_element(By.CSS_SELECTOR, "input[type=text]")
        box.clear()
        box.send_keys(reply, Keys.ENTER)
    else:
        form.find_elements(By.CSS_SELECTOR, "input[type=radio]")[reply].click()
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    return {
        "result": form.get_attribute("data-result"),
        "feedback": form.find_element(By.CSS_SELECTOR, ".self-check-feedback").text,
    }


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_self_checks_answer_right_and_wrong(browser, site, chapter):
    from selenium.webdriver.common.by import By

    open_chapter(browser, site, chapter)
    forms = browser.find_elements(By.CSS_SELECTOR, "form[data-self-check]")
    check(len(forms) >= 2, f"{chapter}: {len(forms)} self-check questions, want >= 2")
    for form in forms:
        name = form.get_attribute("data-self-check")
        truth = form.get_attribute("data-answer")
        shown_answer = form.get_attribute("data-answer-text")
        check(form.is_displayed(), f"{chapter}: {name} is not shown")
        feedback = form.find_element(By.CSS_SELECTOR, ".self-check-feedback").text
        check(not feedback, f"{chapter}: {name} has feedback before an attempt")
        if form.get_attribute("data-kind") == "number":  # a choice lists the answer
            check(
                shown_answer not in form.text,
                f"{chapter}: {name} shows its answer {shown_answer!r} before a reply",
            )
        if form.get_attribute("data-kind") == "number":
            tolerance = float(form.get_attribute("data-tolerance"))
            wrong = repr(float(truth) + 10 * tolerance + 1)
            right = truth
        else:
            count = len(form.find_elements(By.CSS_SELECTOR, "input[type=radio]"))
            right = int(truth)
            wrong = (right + 1) % count
        got = answer(browser, form, wrong)
        check(
            got["result"] == "wrong" and got["feedback"].startswith("Not quite."),
            f"{chapter}: {name}: a wrong answer got {got}",
        )
        check(
            form.get_attribute("data-wrong") in got["feedback"]
            and shown_answer in got["feedback"],
            f"{chapter}: {name}: the feedback does not say why: {got['feedback']!r}",
        )
        got = answer(browser, form, right)
        check(
            got["result"] == "right" and got["feedback"].startswith("Right."),
            f"{chapter}: {name}: the right answer got {got}",
        )
        check(
            form.get_attribute("data-right") in got["feedback"],
            f"{chapter}: {name}: the feedback does not say why: {got['feedback']!r}",
        )
    traffic = headless.read_traffic(browser, site.url)
    check(not traffic.console_errors, f"{chapter}: {traffic.console_errors}")
    check(not traffic.outside, f"{chapter}: requests off the site: {traffic.outside}")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_static_figure_for_print_and_the_page_stays_light(browser, site, chapter):
    from selenium.webdriver.common.by import By

    open_chapter(browser, site, chapter)
    browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    time.sleep(0.5)
    size = transferred_bytes(browser.execute_script(PAGE_URLS_JS), site.root)
    check(
        0 < size < MAX_PAGE_BYTES,
        f"{chapter}: the page transfers {size / 1e6:.2f} MB (HTML, images, scripts, "
        f"fonts; text gzip-compressed); keep it under {MAX_PAGE_BYTES / 1e6:.0f} MB",
    )
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        for root in browser.find_elements(By.CSS_SELECTOR, "[data-explorable]"):
            image = root.find_element(By.CSS_SELECTOR, "img.explorable-figure")
            controls = root.find_element(By.CSS_SELECTOR, ".explorable-controls")
            check(image.is_displayed(), f"{chapter}: no figure in print")
            check(not controls.is_displayed(), f"{chapter}: controls in print")
            check(image.get_attribute("alt"), f"{chapter}: a figure without alt text")
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_without_javascript_the_default_state_is_there(browser, site):
    from selenium.webdriver.common.by import By

    chapter = CHAPTERS[0]
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        open_chapter(browser, site, chapter)
        for root in browser.find_elements(By.CSS_SELECTOR, "[data-explorable]"):
            data = embedded(browser, root)
            default = data["frames"]["-".join(map(str, data["default"]))]
            image = root.find_element(By.CSS_SELECTOR, "img.explorable-figure")
            check(image.is_displayed(), f"{chapter}: no static figure without JS")
            check(
                image.get_attribute("alt") == default["alt"],
                f"{chapter}: the static figure is not the default state",
            )
            text = root.find_element(By.CSS_SELECTOR, ".explorable-numbers").text
            for number in default["numbers"].values():
                check(number["text"] in text, f"{chapter}: numbers missing without JS")
            controls = root.find_element(By.CSS_SELECTOR, ".explorable-controls")
            check(not controls.is_displayed(), f"{chapter}: dead controls without JS")
    finally:
        browser.execute_cdp_cmd(
            "Emulation.setScriptExecutionDisabled", {"value": False}
        )


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_explorable_text_reads_in_both_themes(browser, site, theme):
    chapter = CHAPTERS[0]
    open_chapter(browser, site, chapter)
    colours = browser.execute_script(
        """
        document.documentElement.dataset.theme = arguments[0];
        const el = document.querySelector('.explorable-numbers dd');
        const parse = c => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
        const lum = ([r, g, b]) => (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
        return {text: lum(parse(getComputedStyle(el).color)),
                page: lum(parse(getComputedStyle(document.body).backgroundColor))};
        """,
        theme,
    )
    check(
        abs(colours["text"] - colours["page"]) > 0.5,
        f"{chapter}: explorable text luminance {colours['text']:.2f} on a page of "
        f"{colours['page']:.2f} in the {theme} theme",
    )
