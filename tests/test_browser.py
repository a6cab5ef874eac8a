"""Headless Chromium looks at the real TensorBoard serving a short training run's logs:
the Scalars page must show our loss curves, the Projector page our words.

The browser is the machine's own Chromium (Debian's ``chromium``, which ``make test``
installs when it can), driven by Playwright's sync API; ``playwright install`` is never
needed. Screenshots go to $WORDVEC_SCREENSHOTS when set (docs/ holds one made this way),
else to the test's temporary folder."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("tensorboard")
pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed "
                                                  "(pip install -e '.[dev]'; `make install` does so)")

from playwright.sync_api import Error as PlaywrightError  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from test_tensorboard_server import serve_tensorboard, train_with_logdir  # noqa: E402

from conftest import SHARED_DATA  # noqa: E402

SHAKESPEARE = SHARED_DATA / "shakespeare.txt"


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


CHROMIUM = find_chromium()

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not found: install Debian's chromium package "
                                                 "(`make test` does so where apt is reachable)"),
    pytest.mark.timeout(150),
]

# Playwright passes --headless, --no-sandbox (chromium_sandbox=False: tests run as root in
# CI), its own pipe and a fresh profile; these are ours.
FLAGS = [
    "--disable-gpu", "--disable-quic", "--disable-dev-shm-usage",
    # WebGL on the CPU, so the Projector can draw its points without a GPU.
    "--enable-unsafe-swiftshader", "--use-angle=swiftshader",
]

# Text of the page as the user sees it, including inside shadow roots (TensorBoard's
# Polymer components keep their text there, where document.body.innerText misses it) and
# same-origin iframes (the Projector runs two iframes deep).
DEEP_TEXT_FN = r"""
() => {
  const out = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { const t = node.textContent.trim(); if (t) out.push(t); return; }
    if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return;
    if (node.nodeType === Node.ELEMENT_NODE) {
      const tag = node.tagName;
      if (['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT', 'CUSTOM-STYLE', 'DOM-MODULE'].includes(tag)) return;
      if (node.shadowRoot) walk(node.shadowRoot);
      if (tag === 'IFRAME') { try { walk(node.contentDocument.documentElement); } catch (e) {} }
      if (tag === 'INPUT' && node.value) out.push(node.value);
    }
    for (const child of node.childNodes) walk(child);
  };
  walk(document.documentElement);
  return out.join('\n');
}
"""

# How many chart lines are drawn (SVG paths with at least one segment), anywhere in the page.
DRAWN_LINES_FN = r"""
() => {
  let n = 0;
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'path' && /[0-9][ ,]*L/.test(el.getAttribute('d') || '') &&
          (el.getAttribute('class') || '').includes('line')) n++;
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return n;
}
"""


class Page:
    """One Playwright page, with what it reported: uncaught script errors and console errors."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console.error: {m.text}"))

    def goto(self, url: str) -> None:
        self.errors.clear()
        self.page.goto(url)

    def text(self) -> str:
        try:
            return self.page.evaluate(DEEP_TEXT_FN) or ""
        except PlaywrightError:  # the page is between documents
            return ""

    def wait_for_text(self, patterns: list[str], timeout: float, what: str) -> str:
        """Wait until the page's visible text matches every one of ``patterns`` (regular
        expressions that mean the same in Python and JavaScript); return that text."""
        try:
            handle = self.page.wait_for_function(
                f"(sources) => {{ const t = ({DEEP_TEXT_FN})(); "
                f"return sources.every((s) => new RegExp(s).test(t)) && t; }}",
                arg=patterns, timeout=timeout * 1000)
        except PlaywrightTimeoutError:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; "
                                 f"the page ended with:\n{self.text()[-2000:]}") from None
        text = handle.json_value()
        assert all(re.search(p, text) for p in patterns), (patterns, text[-2000:])
        return text

    def screenshot(self, path: Path) -> None:
        self.page.screenshot(path=path)

    def assert_no_errors(self) -> None:
        assert not self.errors, "the page reported errors:\n" + "\n".join(self.errors)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """(Page, TensorBoard URL, run name, (points, dimension), a word to search, the
    Projector's words, screenshot folder)."""
    tmp = tmp_path_factory.mktemp("browser")
    if SHAKESPEARE.is_file():  # real words make a readable picture; the toy corpus otherwise
        extra = ["--min-count", "5", "--max-final-vocab", "1000", "--dim", "32", "--epochs", "3", "--workers", "1"]
        logdir, run = train_with_logdir(tmp, extra, corpus=SHAKESPEARE)
        query = "king"
    else:
        logdir, run = train_with_logdir(tmp)
        query = "w7"
    from wordvec.formats.native import read_config, read_vocab

    cfg = read_config(tmp / "model")
    words = read_vocab(tmp / "model")[0][:10_000]
    shots = Path(os.environ.get("WORDVEC_SCREENSHOTS") or tmp)
    shots.mkdir(parents=True, exist_ok=True)
    with serve_tensorboard(logdir) as url, sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, chromium_sandbox=False,
                                                 args=FLAGS, timeout=20_000)
        except PlaywrightError as e:  # installed but cannot start here (missing libraries...)
            pytest.skip(f"{CHROMIUM} does not start headless: {str(e).splitlines()[0]}")
        try:
            tab = Page(browser.new_page(viewport={"width": 1280, "height": 900}))
            yield tab, url, run.name, (len(words), cfg["vector_size"]), query, words, shots
        finally:
            browser.close()


def test_scalars_page_shows_the_loss_curves(page):
    tab, url, run, *_, shots = page
    tab.goto(f"{url}/#scalars&tagFilter=loss")
    tab.wait_for_text([re.escape("train/loss"), re.escape("epoch/loss"), re.escape(run)], 40,
                      "the loss tags and the run on the Scalars page")
    # Both charts have drawn their curves (a line with at least one segment).
    try:
        tab.page.wait_for_function(f"() => ({DRAWN_LINES_FN})() >= 2", timeout=30_000)
    except PlaywrightTimeoutError:
        raise AssertionError("the loss charts drew no line") from None
    tab.screenshot(shots / "tensorboard-scalars.png")
    tab.assert_no_errors()


def test_projector_page_shows_our_embedding(page):
    tab, url, run, (points, dim), query, words, shots = page
    tab.goto(f"{url}/#projector")
    tab.wait_for_text([
        rf"Points:\s*{points}\s+Dimension:\s*{dim}\b",
        # Our metadata's columns (word, count) in the search box's menu.
        r"By\s+word\s+word\s+count\b",
        # ...and the default PCA view computed, so the screenshot shows the points.
        r"Total variance described:\s*[0-9.]+%",
    ], 60, f"'Points: {points} | Dimension: {dim}' and the metadata on the Projector page")
    # Searching a word finds exactly our words that contain it, listed by their labels.
    matches = [w for w in words if query in w]
    projector = tab.page.frame_locator("iframe").frame_locator("iframe")
    # Exactly one field (Playwright refuses an ambiguous locator): the inspector's search box.
    projector.locator("vz-projector-input").get_by_label("Search").fill(query)
    found = rf"\b{len(matches)} match(es)?\."
    text = tab.wait_for_text([found], 30, f"'{len(matches)} matches.' after searching {query!r}")
    listed = text[re.search(found, text).end():].split()
    assert set(matches[:100]) <= set(listed)
    tab.screenshot(shots / "tensorboard-projector.png")
    tab.assert_no_errors()


def test_plot_html_page_shows_the_words(page, tmp_path):
    """`wordvec plot --html` works offline: the embedded plotly draws every word."""
    pytest.importorskip("plotly")
    import numpy as np

    from wordvec.viz.plot import plot_words
    from wordvec.vectors.keyed import WordVectors

    tab = page[0]
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
    wv = WordVectors(words, np.random.default_rng(0).normal(size=(6, 8)), [60, 50, 40, 30, 20, 10])
    html = tmp_path / "map.html"
    plot_words(wv, html=html, words=words, title="six words")
    tab.goto(html.as_uri())
    # The labels are SVG text drawn by plotly's script, not in the HTML file's markup.
    tab.wait_for_text([rf"(^|\s){w}(\s|$)" for w in words] + ["six words"], 30, "the six labels drawn by plotly")
    assert tab.page.evaluate("document.querySelectorAll('.scatterlayer .point').length") == 6
    tab.screenshot(tmp_path / "plot-html.png")
    tab.assert_no_errors()
