"""The built-in demo corpus: documentation that ships with every Python install.

It is generated on first use from the docstrings of the standard library's modules and
the reference-manual topics in ``pydoc_data`` (one paragraph per line), and cached; the
project itself contains no third-party text and the demo needs no network.
"""
from __future__ import annotations

import ast
import sysconfig
import time
from pathlib import Path

import click

from .cache import cache_dir

DEMO_WORDS = ("file", "thread", "socket", "string", "error", "list", "integer", "directory")
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


def run_demo(output: Path, epochs: int = 5, quiet: bool = False, extra_callbacks=()) -> None:
    from ..models.word2vec import Word2Vec

    t0 = time.perf_counter()
    corpus = demo_corpus()
    if not quiet:
        click.echo(f"corpus: {corpus} (Python's own documentation, generated locally)")
    model = Word2Vec(vector_size=100, window=5, min_count=3, epochs=epochs, sample=1e-3, seed=1)
    model.fit(corpus, progress=not quiet, callbacks=list(extra_callbacks))
    model.save(output)
    wv = model.wv
    click.echo(
        f"trained {len(wv):,} words on {model.encoded_.n_tokens:,} tokens x {epochs} epochs "
        f"in {time.perf_counter() - t0:.1f}s; final loss {model.history_[-1]['loss']:.3f}"
    )
    for word in DEMO_WORDS:
        if word in wv:
            near = ", ".join(w for w, _ in wv.most_similar(word, topn=6))
            click.echo(f"  {word:10s} -> {near}")
    click.echo(f"model saved to {output}/  (try: wordvec similar {output} socket)")
