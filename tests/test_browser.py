"""Headless Chromium looks at the real TensorBoard serving a short training run's logs:
the Scalars page must show our loss curves, the Projector page our words.

Screenshots go to $WORDVEC_SCREENSHOTS when set (docs/ holds one made this way), else to
the test's temporary folder."""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

pytest.importorskip("tensorboard")

from cdp_browser import DRAWN_LINES_JS, Browser, BrowserError, find_chromium  # noqa: E402
from test_tensorboard_server import serve_tensorboard, train_with_logdir  # noqa: E402

from conftest import SHARED_DATA  # noqa: E402

SHAKESPEARE = SHARED_DATA / "shakespeare.txt"
CHROMIUM = find_chromium()

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not found: install Debian's chromium package "
                                                 "(`make test` does so where apt is reachable)"),
    pytest.mark.timeout(150),
]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """(browser, TensorBoard URL, run name, (points, dimension), a word to search, the
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
    with serve_tensorboard(logdir) as url:
        try:
            browser = Browser(CHROMIUM, timeout=20).__enter__()
        except (BrowserError, OSError) as e:  # installed but cannot start here (missing libraries...)
            pytest.skip(f"{CHROMIUM} does not start headless: {e}")
        try:
            yield browser, url, run.name, (len(words), cfg["vector_size"]), query, words, shots
        finally:
            browser.close()


def test_scalars_page_shows_the_loss_curves(page):
    browser, url, run, *_, shots = page
    browser.navigate(f"{url}/#scalars&tagFilter=loss")
    browser.wait_for_text(lambda t: "train/loss" in t and "epoch/loss" in t and run in t, 40,
                                 "the loss tags and the run on the Scalars page")
    # Wait until both charts have drawn their curves (a line with at least one segment).
    deadline = time.monotonic() + 30
    while browser.evaluate(DRAWN_LINES_JS) < 2:
        assert time.monotonic() < deadline, "the loss charts drew no line"
        time.sleep(0.5)
    browser.screenshot(shots / "tensorboard-scalars.png")


def test_projector_page_shows_our_embedding(page):
    browser, url, run, (points, dim), query, words, shots = page
    browser.navigate(f"{url}/#projector")
    pattern = re.compile(rf"Points:\s*{points}\s+Dimension:\s*{dim}\b")
    # Our tensor with its point count, and our metadata's columns (word, count) in the search box's menu.
    columns = re.compile(r"By\s+word\s+word\s+count\b")
    # ...and the default PCA view computed, so the screenshot shows the points.
    pca = re.compile(r"Total variance described:\s*[0-9.]+%")
    browser.wait_for_text(lambda t: pattern.search(t) and columns.search(t) and pca.search(t),
                          60, f"'Points: {points} | Dimension: {dim}' and the metadata on the Projector page")
    # Searching a word finds exactly our words that contain it, listed by their labels.
    matches = [w for w in words if query in w]
    browser.type_into("Search", "VZ-PROJECTOR-INPUT", query)
    found = re.compile(rf"\b{len(matches)} match(es)?\.")
    text = browser.wait_for_text(lambda t: found.search(t), 30, f"'{len(matches)} matches.' after searching {query!r}")
    listed = text[found.search(text).end():].split()
    assert set(matches[:100]) <= set(listed)
    browser.screenshot(shots / "tensorboard-projector.png")


def test_plot_html_page_shows_the_words(page, tmp_path):
    """`wordvec plot --html` works offline: the embedded plotly draws every word."""
    pytest.importorskip("plotly")
    import numpy as np

    from wordvec.viz.plot import plot_words
    from wordvec.vectors.keyed import WordVectors

    browser = page[0]
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
    wv = WordVectors(words, np.random.default_rng(0).normal(size=(6, 8)), [60, 50, 40, 30, 20, 10])
    html = tmp_path / "map.html"
    plot_words(wv, html=html, words=words, title="six words")
    browser.navigate(html.as_uri())
    # The labels are SVG text drawn by plotly's script, not in the HTML file's markup.
    browser.wait_for_text(lambda t: all(w in t.split() for w in words) and "six words" in t, 30,
                                 "the six labels drawn by plotly")
    assert browser.evaluate("document.querySelectorAll('.scatterlayer .point').length") == 6
    browser.screenshot(tmp_path / "plot-html.png")
