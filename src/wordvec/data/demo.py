"""The built-in demo corpus: documentation that ships with every Python install.

It is generated on first use from the docstrings of the standard library's modules and
the reference-manual topics in ``pydoc_data`` (one paragraph per line), and cached; the
project itself contains no third-party text and the demo needs no network.
"""
from __future__ import annotations

import ast
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

from .cache import cache_dir

DEMO_WORDS = ("file", "thread", "socket", "string", "error", "list", "integer", "directory")
# Word2Vec's defaults but for min_count: the corpus is small (a few MB), so rarer words stay.
DEMO_PARAMS = {"min_count": 3}
_SKIP_PARTS = {"site-packages", "test", "tests", "idlelib", "turtledemo", "lib2to3", "__pycache__"}


def _paragraphs(text: str):
    for para in text.split("\n\n"):
        line = " ".join(para.split())
        if len(line.split()) >= 3:
            yield line


def stdlib_corpus_lines():
    """Paragraphs of the standard library's docstrings and pydoc topics, in a fixed order."""
    root = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(root.rglob("*.py")):
        if _SKIP_PARTS.intersection(path.relative_to(root).parts):
            continue
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                doc = ast.get_docstring(node)
                if doc:
                    yield from _paragraphs(doc)
    try:
        from pydoc_data.topics import topics
    except ImportError:  # some distributions strip it
        topics = {}
    for key in sorted(topics):
        yield from _paragraphs(topics[key])


def demo_corpus(path: Path | None = None) -> Path:
    """Write (once) and return the demo corpus file."""
    from ..atomic import atomic_file

    path = path or cache_dir() / "demo-stdlib-docs.txt"
    if not path.exists():
        with atomic_file(path, "w") as f:
            for line in stdlib_corpus_lines():
                f.write(line + "\n")
    return path


@dataclass
class DemoRun:
    """What ``run_demo`` did: the trained model, where it went, how long each step took
    (seconds) and the demo words' nearest neighbours (word -> [(neighbour, similarity)])."""

    model: object
    corpus: Path
    output: Path
    timings: dict = field(default_factory=dict)
    neighbours: dict = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())

    @property
    def final_loss(self) -> float:
        return self.model.history_[-1]["loss"]


def run_demo(output: Path, epochs: int | None = None, *, corpus: Path | None = None, progress: bool = False,
             callbacks=(), topn: int = 6) -> DemoRun:
    """Train a Word2Vec on the demo corpus (``DEMO_PARAMS``; ``epochs`` None: Word2Vec's
    default), save it to ``output`` and find the neighbours of ``DEMO_WORDS``. Prints nothing
    (``wordvec demo`` does); ``progress`` shows the training progress bar."""
    from ..models.word2vec import Word2Vec

    timings = {}
    t0 = time.perf_counter()
    corpus = corpus or demo_corpus()
    timings["corpus"] = time.perf_counter() - t0
    params = dict(DEMO_PARAMS) if epochs is None else dict(DEMO_PARAMS, epochs=epochs)
    model = Word2Vec(**params)
    t0 = time.perf_counter()
    model.fit(corpus, progress=progress, callbacks=list(callbacks))
    timings["train"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.save(output)
    timings["save"] = time.perf_counter() - t0
    wv = model.wv
    neighbours = {word: wv.most_similar(word, topn=topn) for word in DEMO_WORDS if word in wv}
    return DemoRun(model=model, corpus=Path(corpus), output=Path(output), timings=timings, neighbours=neighbours)
