"""Headless Chromium on the built site: a local HTTP server, the driver, page probes.

The tests in ``test_browser.py`` and ``test_a11y.py`` use these pieces; nothing here
asserts. Everything the browser loads comes from the server on 127.0.0.1: Chromium
resolves no host names at all, so a page that needs the network shows it as a failed
request instead of quietly fetching it.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

INSTALL_HINT = (
    "install Debian's headless browser and its driver: "
    "`sudo apt-get install chromium chromium-driver` "
    "(selenium comes with requirements.txt)"
)

# Without the background-networking flags Chromium keeps calling home on a closed
# network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    # Resolve no host name: only the local server (an IP address) is reachable.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

DESKTOP = (1280, 900)
PHONE = (390, 844)
MAX_SHOT_HEIGHT = (
    16000  # pixels; Chromium cannot capture much taller pages in one piece
)
SERVER_LIFETIME = (
    900  # seconds; the server shuts itself down after this even if nobody stops it
)


def find_browser() -> tuple[str, str]:
    """Return the paths of chromium and chromedriver; skip if absent (CI: fail)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    found = {"chromium": chromium, "chromedriver": driver}
    missing = [name for name, path in found.items() if not path]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip)")
    if missing:
        message = f"browser tests need {', '.join(missing)}: {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so the browser tests must run; {message}")
        pytest.skip(message)
    return chromium, driver


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serve files, record each request's path and status, print nothing."""

    requests: list[tuple[str, int]]

    def log_request(self, code="-", size="-"):
        self.requests.append((self.path, int(code) if str(code).isdigit() else 0))

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


class _Server(ThreadingHTTPServer):
    """A threading HTTP server that prints no traceback when a client hangs up early."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


@dataclass
class Site:
    """A directory served on 127.0.0.1; ``requests``: each request's (path, status)."""

    root: Path
    server: ThreadingHTTPServer
    requests: list[tuple[str, int]] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve(root: Path) -> Site:
    """Serve ``root`` from a thread on 127.0.0.1 (a free port); stops itself later."""
    requests: list[tuple[str, int]] = []
    handler = type("Handler", (_QuietHandler,), {"requests": requests})
    server = _Server(("127.0.0.1", 0), partial(handler, directory=str(root)))
    server.timeout = 5
    thread = threading.Thread(
        target=server.serve_forever, name="site-server", daemon=True
    )
    thread.start()
    watchdog = threading.Timer(SERVER_LIFETIME, server.shutdown)
    watchdog.daemon = True
    watchdog.start()
    return Site(root=root, server=server, requests=requests)


def start_chromium(chromium: str, chromedriver: str, profile: Path):
    """Return a Selenium driver for headless ``chromium`` (profile in ``profile``)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={DESKTOP[0]},{DESKTOP[1]}")
    options.set_capability(
        "goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"}
    )
    driver = webdriver.Chrome(
        service=Service(executable_path=chromedriver), options=options
    )
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(30)
    driver.execute_cdp_cmd("Network.enable", {})
    return driver


def fresh_profile() -> Path:
    """Return a new empty directory for a browser profile."""
    return Path(tempfile.mkdtemp(prefix="mlxday2-chromium-"))


def set_viewport(driver, size: tuple[int, int], mobile: bool = False) -> None:
    """Make the viewport ``size`` CSS pixels (a phone honours the viewport meta tag)."""
    width, height = size
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def screenshot(driver, path: Path, max_height: int = MAX_SHOT_HEIGHT) -> Path:
    """Write a PNG of the whole page (at most ``max_height`` px tall) to ``path``."""
    driver.execute_async_script(SETTLE_JS)
    height = driver.execute_script(
        "return Math.max(document.documentElement.scrollHeight,"
        " document.body.scrollHeight)"
    )
    width = driver.execute_script("return document.documentElement.clientWidth")
    clip = {
        "x": 0,
        "y": 0,
        "width": width,
        "height": min(height, max_height),
        "scale": 1,
    }
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": clip},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


@dataclass
class Traffic:
    """What the browser logged: console errors, failed requests, requests elsewhere."""

    console_errors: list[str]
    failed: list[str]
    outside: list[str]


def drain_logs(driver) -> None:
    """Forget the browser's console and network log so far."""
    driver.get_log("browser")
    driver.get_log("performance")


def read_traffic(driver, base_url: str) -> Traffic:
    """Return the console errors and the requests that failed or left ``base_url``
    since the last call (or :func:`drain_logs`)."""
    console = [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE"
    ]
    urls: dict[str, str] = {}
    failed, outside = [], []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            urls[params["requestId"]] = url
            if not url.startswith((base_url, "data:", "blob:", "about:")):
                outside.append(url)
        elif method == "Network.responseReceived":
            status = params["response"]["status"]
            if status >= 400:
                failed.append(f"{params['response']['url']} (HTTP {status})")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            url = urls.get(params["requestId"], params["requestId"])
            failed.append(f"{url} ({params.get('errorText', 'failed')})")
    unique = lambda items: list(dict.fromkeys(items))  # noqa: E731 (keep the order)
    return Traffic(
        console_errors=unique(console), failed=unique(failed), outside=unique(outside)
    )


def browser_session(chromium: str, chromedriver: str):
    """Yield a headless Chromium (fresh profile, light colour scheme); quit it after."""
    profile = fresh_profile()
    driver = start_chromium(chromium, chromedriver, profile)
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "light"}]},
    )
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, script: str, timeout: float = 15.0):
    """Return the first truthy value of ``script`` in ``timeout`` s (else the last)."""
    deadline = time.monotonic() + timeout
    value = driver.execute_script(script)
    while not value and time.monotonic() < deadline:
        time.sleep(0.2)
        value = driver.execute_script(script)
    return value


def open_page(driver, url: str) -> None:
    driver.get(url)
    wait_for(driver, "return document.readyState === 'complete'")


def switch_theme(driver, theme: str) -> str:
    """Press the theme's toggle until the page shows ``theme``; return the one shown."""
    from selenium.webdriver.common.by import By

    for _ in range(4):
        if driver.execute_script(THEME_JS) == theme:
            return theme
        buttons = [
            b
            for b in driver.find_elements(By.CSS_SELECTOR, ".theme-switch-button")
            if b.is_displayed()
        ]
        if not buttons:
            raise AssertionError("no visible .theme-switch-button (the theme's toggle)")
        buttons[0].click()
        time.sleep(0.2)
    shown = driver.execute_script(THEME_JS)
    if shown != theme:
        raise AssertionError(
            f"the theme toggle never showed {theme!r} (stuck at {shown!r})"
        )
    return shown


# --- Probes: JavaScript run in the page, each returning plain data ------------------

# A short description of an element for failure messages: tag#id.class "text".
DESCRIBE_JS = """
window.__describe = function (el) {
  let name = el.tagName.toLowerCase();
  if (el.id) name += '#' + el.id;
  const cls = (el.getAttribute('class') || '').trim().split(/\\s+/).filter(Boolean);
  if (cls.length) name += '.' + cls.slice(0, 3).join('.');
  const src = el.getAttribute('src');
  if (src) name += ' src=' + (src.startsWith('data:') ? src.slice(0, 30) + '...' : src);
  const text = (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
  if (text) name += ' "' + text + '"';
  const section = el.closest('section[id]');
  if (section) name += ' (in section #' + section.id + ')';
  return name;
};
"""

# Images: each scrolled into view (so lazy ones load) and given up to 10 s to decode.
IMAGES_JS = (
    DESCRIBE_JS
    + """
const done = arguments[arguments.length - 1];
const content = document.querySelector('main') || document.body;
const images = Array.from(content.querySelectorAll('img'));
images.forEach(img => img.scrollIntoView({block: 'center'}));
const decoded = Promise.all(images.map(img => img.decode().catch(() => null)));
const timeout = new Promise(resolve => setTimeout(resolve, 10000));
Promise.race([decoded, timeout]).then(() => done(images.map(img => {
  img.scrollIntoView({block: 'center'});
  const box = img.getBoundingClientRect();
  const style = getComputedStyle(img);
  return {
    element: window.__describe(img),
    complete: img.complete,
    natural_width: img.naturalWidth,
    width: box.width,
    height: box.height,
    visible: style.visibility !== 'hidden' && style.display !== 'none'
             && parseFloat(style.opacity) > 0 && !img.closest('[hidden]'),
    in_collapsed: !!img.closest(
      'details:not([open]), .toggle-hidden, .dropdown:not([open])'),
  };
})));
"""
)

# Math: MathJax 3 replaces each math element's TeX with <mjx-container>. Raw TeX left
# in the visible text means it did not.
MATH_JS = (
    DESCRIBE_JS
    + """
const done = arguments[arguments.length - 1];
const finish = () => {
  const article = document.querySelector('article') || document.body;
  const math = Array.from(article.querySelectorAll('.math, span.math, div.math'));
  const unrendered = math.filter(el => !el.querySelector('mjx-container')
                                       && !el.matches('mjx-container'));
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    const skip = 'pre, code, script, style, textarea, .highlight, mjx-assistive-mml';
    if (parent.closest(skip)) continue;
    if (/\\\\\\(|\\\\\\[|\\$\\$/.test(node.textContent)) {
      raw.push(window.__describe(parent) + ': ' + node.textContent.trim().slice(0, 80));
    }
  }
  const scripts = Array.from(document.scripts).map(s => s.src)
    .filter(s => /mathjax/i.test(s));
  done({
    math_elements: math.length,
    rendered: article.querySelectorAll('mjx-container').length,
    unrendered: unrendered.slice(0, 10).map(el => window.__describe(el)),
    raw_tex: raw.slice(0, 10),
    mathjax_scripts: scripts,
    mathjax_loaded: !!(window.MathJax && window.MathJax.version),
    mathjax_version: window.MathJax && window.MathJax.version || null,
  });
};
if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
  window.MathJax.startup.promise.then(finish, finish);
} else {
  setTimeout(finish, 1500);
}
"""
)

# Elements that stick out to the right of the viewport (the outermost ones, not their
# children).
OVERFLOW_JS = (
    DESCRIBE_JS
    + """
const doc = document.documentElement;
const width = doc.clientWidth;
const result = {scroll_width: doc.scrollWidth, client_width: width, culprits: []};
if (doc.scrollWidth <= width + 1) return result;
const isFixed = el => { for (; el; el = el.parentElement) {
  if (getComputedStyle(el).position === 'fixed') return true; } return false; };
const isClipped = el => { for (let a = el.parentElement; a && a !== document.body;
                             a = a.parentElement) {
  if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; };
for (const el of document.body.querySelectorAll('*')) {
  const box = el.getBoundingClientRect();
  if (box.right <= width + 1 || box.width === 0 || isFixed(el) || isClipped(el)) {
    continue;
  }
  const parent = el.parentElement.getBoundingClientRect();
  if (parent.right <= width + 1 || el.parentElement === document.body) {
    result.culprits.push(
      window.__describe(el) + ' reaches ' + Math.round(box.right) + ' px');
  }
  if (result.culprits.length >= 5) break;
}
return result;
"""
)

# Code blocks (cell inputs, included source) that scroll sideways. Folded cells are
# unfolded first, since a reader who opens them sees the same block.
CODE_JS = (
    DESCRIBE_JS
    + """
document.querySelectorAll('article details').forEach(d => d.open = true);
document.querySelectorAll('article .toggle-hidden')
  .forEach(e => e.classList.remove('toggle-hidden'));
const blocks = Array.from(document.querySelectorAll('article div.highlight pre'))
  .filter(pre => !pre.closest('.cell_output, .output'));
const fits = pre => {  // how many characters of this block's font fit on one line
  const probe = document.createElement('span');
  probe.textContent = 'x'.repeat(100);
  pre.appendChild(probe);
  const width = probe.getBoundingClientRect().width / 100;
  probe.remove();
  const style = getComputedStyle(pre);
  const inner = pre.clientWidth - parseFloat(style.paddingLeft)
    - parseFloat(style.paddingRight);
  return Math.floor(inner / width);
};
return blocks.filter(pre => pre.scrollWidth > pre.clientWidth + 1).map(pre => {
  const lines = pre.innerText.split('\\n');
  const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), '');
  const cell = pre.closest('.cell, div[class*="highlight-"]');
  return {
    element: window.__describe(cell || pre).slice(0, 120),
    overflow_px: pre.scrollWidth - pre.clientWidth,
    fits_chars: fits(pre),
    longest_line: longest.length + ' chars: ' + longest.trim().slice(0, 70),
  };
});
"""
)

# Each content figure composited over what lies behind it (the CSS backgrounds of the
# image and its ancestors): the colour most of the figure shows, and its luminance.
FIGURE_BACKGROUND_JS = (
    DESCRIBE_JS
    + """
const parse = c => { const m = c.match(/[\\d.]+/g) || [0, 0, 0, 0];
  return [+m[0], +m[1], +m[2], m.length > 3 ? +m[3] : 1]; };
const backdrop = img => {
  const layers = [];
  for (let el = img; el; el = el.parentElement) {
    const c = parse(getComputedStyle(el).backgroundColor);
    if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  let rgb = [255, 255, 255];
  for (const [r, g, b, a] of layers.reverse()) rgb = [r * a + rgb[0] * (1 - a),
    g * a + rgb[1] * (1 - a), b * a + rgb[2] * (1 - a)];
  return rgb;
};
const lin = v => {
  v /= 255;
  return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
};
const luminance = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
const figures = Array.from(
  document.querySelectorAll('article .cell_output img, article figure img'));
return figures.filter(img => img.naturalWidth > 0).map(img => {
  const under = backdrop(img);
  const scale = Math.min(1, 240 / img.naturalWidth);
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
  canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const counts = new Map();
  let transparent = 0;
  for (let i = 0; i < data.length; i += 4) {
    const a = data[i + 3] / 255;
    if (a < 1) transparent++;
    const rgb = [0, 1, 2].map(k => Math.min(255,
      Math.round((data[i + k] * a + under[k] * (1 - a)) / 16) * 16));
    const key = rgb.join(',');
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  const [top] = [...counts.entries()].sort((x, y) => y[1] - x[1]);
  const shown = top[0].split(',').map(Number);
  const cls = img.getAttribute('class') || '';
  return {
    element: window.__describe(img),
    dark_aware: /\\b(only-dark|dark-light)\\b/.test(cls),
    backdrop: under.map(Math.round),
    background: shown,
    background_luminance: luminance(shown),
    transparent_fraction: transparent / (data.length / 4),
  };
});
"""
)

THEME_JS = "return document.documentElement.dataset.theme || null;"

# Screenshots show the page at rest: no CSS transition half-way, no tooltip, no focus
# ring.
SETTLE_JS = """
const done = arguments[arguments.length - 1];
if (!document.getElementById('no-motion')) {
  const style = document.createElement('style');
  style.id = 'no-motion';
  style.textContent = '*, *::before, *::after {transition: none !important;' +
    ' animation: none !important; caret-color: transparent !important}';
  document.head.appendChild(style);
}
if (document.activeElement) {
  document.activeElement.dispatchEvent(new Event('mouseleave'));
  document.activeElement.blur();
}
document.querySelectorAll('.tooltip').forEach(t => t.remove());
window.scrollTo(0, 0);
requestAnimationFrame(() => requestAnimationFrame(() => done(true)));
"""


# --- axe-core: the accessibility engine, from the npm registry, run in the page -----

AXE_VERSION = "4.14.1"
# WCAG 2.0 and 2.1, levels A and AA: the rules a course page is held to.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def axe_source(root: Path) -> str:
    """Return axe-core's script (``axe.min.js``), installed with npm in ``_build/axe``.

    The package is installed once into the git-ignored build folder (``npm install``
    of the pinned version); without npm the tests skip with a hint, or fail when ``CI``
    is set. The script is handed to the page directly, so nothing is fetched from
    elsewhere while the pages are checked.
    """
    folder = root / "_build" / "axe"
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if not npm:
            message = (
                "the accessibility tests need npm to install axe-core: "
                "`sudo apt-get install npm`"
            )
            if os.environ.get("CI"):
                pytest.fail(f"CI is set, so they must run; {message}")
            pytest.skip(message)
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(folder),
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                f"axe-core@{AXE_VERSION}",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    return script.read_text()


# Unfold what a reader can unfold: every <details> (hidden cells, dropdowns) and every
# sphinx-togglebutton (exercise solutions), so axe checks them as a reader sees them
# open.
UNFOLD_JS = """
document.querySelectorAll('details').forEach(d => d.open = true);
document.querySelectorAll('.admonition.toggle.toggle-hidden')
  .forEach(el => el.querySelector('button.toggle-button').click());
return document.querySelectorAll(
  'details[open], .admonition.toggle:not(.toggle-hidden)').length;
"""

# axe.run on the whole document; each violation with its impact and the elements it
# names.
AXE_RUN_JS = """
const done = arguments[arguments.length - 1];
const options = {runOnly: {type: 'tag', values: arguments[0]},
                 resultTypes: ['violations']};
axe.run(document, options).then(results => done(results.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help, help_url: v.helpUrl,
  nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                            summary: (n.failureSummary || '').slice(0, 300)})),
}))), err => done({error: String(err)}));
"""

# Math for a screen reader: every MathJax container carries MathML next to its glyphs.
MATHML_JS = """
const done = arguments[arguments.length - 1];
const count = () => {
  const all = Array.from(document.querySelectorAll('article mjx-container'));
  const missing = all.filter(c => !c.querySelector('mjx-assistive-mml math'));
  done({containers: all.length, without_mathml: missing.length,
        example: missing.length ? missing[0].outerHTML.slice(0, 160) : null});
};
if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
  MathJax.startup.promise.then(count, count);
} else { count(); }
"""
