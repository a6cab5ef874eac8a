"""Pictures of word vectors: a labelled 2-D map (PCA or t-SNE) drawn with matplotlib, and
optionally an interactive page (plotly) to zoom and hover.

Words are projected from their unit vectors, so distances on the map follow cosine
similarity, the measure every query uses. Each label gets a free spot near its point, so a map of
100 words stays readable.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..atomic import atomic_file
from ..errors import ParameterError, WordvecError
from ..params import check_choice

METHODS = ("pca", "tsne")
# More labels than this do not fit on a picture; the --html page and the Projector scale further.
MAX_PICTURE_WORDS = 1000
IMAGE_FORMATS = ("png", "svg", "pdf")


def select_words(wv, words=None, top: int | None = None, neighbors: str | None = None, n_neighbors: int = 30) -> list[str]:
    """The words to draw: the given ones, the ``top`` most frequent, or ``neighbors`` and
    its ``n_neighbors`` nearest words (default: the 100 most frequent)."""
    given = sum(x is not None for x in (words, top, neighbors))
    if given > 1:
        raise ParameterError("choose one of --words, --top and --neighbors")
    if words is not None:
        words = list(dict.fromkeys(w for w in words if w))
        missing = [w for w in words if w not in wv]
        if missing:
            shown = ", ".join(repr(w) for w in missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise WordvecError(f"not in the vocabulary: {shown}")
        chosen = words
    elif neighbors is not None:
        if neighbors not in wv:
            raise WordvecError(f"word {neighbors!r} not in vocabulary")
        if n_neighbors < 1:
            raise ParameterError(f"-n={n_neighbors} is invalid: must be >= 1")
        chosen = [neighbors] + [w for w, _ in wv.most_similar(neighbors, topn=n_neighbors)]
    else:
        top = 100 if top is None else top
        if top < 1:
            raise ParameterError(f"--top={top} is invalid: must be >= 1")
        chosen = list(wv.index_to_key[:top])
    if len(chosen) < 3:
        raise ParameterError(f"a map needs at least 3 words, got {len(chosen)}")
    return chosen


def project_2d(vectors: np.ndarray, method: str = "pca", seed: int = 1) -> np.ndarray:
    """(n, 2) coordinates of the rows of ``vectors`` after scaling them to unit length."""
    check_choice("method", method, METHODS)
    x = np.asarray(vectors, dtype=np.float64)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    if method == "pca":
        centred = x - x.mean(axis=0)
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
        xy = u[:, :2] * s[:2]
        if xy.shape[1] < 2:  # 1-D vectors: a line
            xy = np.column_stack([xy[:, 0], np.zeros(len(xy))])
        # SVD signs are arbitrary: fix them so the same vectors always give the same map.
        signs = np.sign(xy[np.argmax(np.abs(xy), axis=0), range(2)])
        return xy * np.where(signs == 0, 1, signs)
    try:
        from sklearn.manifold import TSNE
    except ImportError:
        raise WordvecError("t-SNE needs scikit-learn: pip install 'wordvec[viz]'") from None
    perplexity = float(min(30, max(2, (len(x) - 1) // 3)))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", metric="cosine",
                random_state=seed).fit_transform(x)


def _image_format(output: Path) -> str:
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in IMAGE_FORMATS:
        raise ParameterError(f"{output}: unknown picture type {output.suffix or '(none)'!r}: use .png, .svg or .pdf")
    return fmt


def build_figure(words, xy: np.ndarray, title: str = "", highlight: str | None = None):
    """(figure, axes, labels) of the labelled map, labels already pushed apart."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure  # no pyplot: no global state, no display needed

    n = len(words)
    size = 8 if n <= 60 else 10 if n <= 150 else 13
    fig = Figure(figsize=(size, size * 0.8), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)  # a renderer to measure the labels with
    ax = fig.add_subplot()
    colours = ["#d62728" if w == highlight else "#1f77b4" for w in words]
    ax.scatter(xy[:, 0], xy[:, 1], s=14, c=colours, alpha=0.8, linewidths=0, zorder=2)
    fontsize = 10 if n <= 40 else 8 if n <= 150 else 6
    texts = [ax.text(x, y, w, fontsize=fontsize + (2 if w == highlight else 0), zorder=3,
                     fontweight="bold" if w == highlight else "normal")
             for (x, y), w in zip(xy, words)]
    pad = 0.05 * max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), 1e-9)
    ax.set_xlim(xy[:, 0].min() - pad, xy[:, 0].max() + pad)
    ax.set_ylim(xy[:, 1].min() - pad, xy[:, 1].max() + pad)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#cccccc")
    if title:
        ax.set_title(title, fontsize=11)
    # Settle the layout first and freeze it: labels are placed in screen space, so the axes
    # must not move after they have been pushed apart.
    fig.canvas.draw()
    fig.set_layout_engine("none")
    _separate_labels(ax, texts, xy)
    return fig, ax, texts


def draw_map(words, xy: np.ndarray, output, title: str = "", highlight: str | None = None) -> Path:
    """Draw the labelled map into ``output`` (.png, .svg or .pdf), atomically."""
    output = Path(output)
    fmt = _image_format(output)
    fig, _, _ = build_figure(words, xy, title=title, highlight=highlight)
    with atomic_file(output, "wb") as f:
        fig.savefig(f, format=fmt)
    return output


def _separate_labels(ax, texts, xy) -> None:
    """Place each label at the nearest free spot around its point (frequent words first),
    clear of the labels already placed and of every point; a thin line leads back to
    labels that had to move away. Greedy and deterministic: fast for a few hundred words."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    pts = ax.transData.transform(xy)  # pixels
    frame = ax.get_window_extent(renderer)
    sizes = np.array([[b.width, b.height] for b in (t.get_window_extent(renderer) for t in texts)])
    angles = np.deg2rad(np.arange(0, 360, 22.5) + 45)  # start up-right, the usual spot
    ring = np.column_stack([np.cos(angles), np.sin(angles)])
    dot, pad = 3.0, 1.0
    boxes = np.empty((0, 4))
    to_data = ax.transData.inverted()
    for i, text in enumerate(texts):
        w, h = sizes[i]
        chosen, lead = None, False
        for radius in (4, 9, 16, 25, 36, 50, 68, 90, 120, 160):
            # Box corners so the box sits on the side the direction points to.
            x0 = pts[i, 0] + radius * ring[:, 0] - w * (1 - ring[:, 0]) / 2
            y0 = pts[i, 1] + radius * ring[:, 1] - h * (1 - ring[:, 1]) / 2
            cand = np.column_stack([x0 - pad, y0 - pad, x0 + w + pad, y0 + h + pad])
            ok = (cand[:, 0] >= frame.x0) & (cand[:, 2] <= frame.x1) & (cand[:, 1] >= frame.y0) & (cand[:, 3] <= frame.y1)
            if len(boxes):
                hit = ((cand[:, None, 0] < boxes[None, :, 2]) & (cand[:, None, 2] > boxes[None, :, 0])
                       & (cand[:, None, 1] < boxes[None, :, 3]) & (cand[:, None, 3] > boxes[None, :, 1]))
                ok &= ~hit.any(axis=1)
            covers = ((cand[:, None, 0] < pts[None, :, 0] + dot) & (cand[:, None, 2] > pts[None, :, 0] - dot)
                      & (cand[:, None, 1] < pts[None, :, 1] + dot) & (cand[:, None, 3] > pts[None, :, 1] - dot))
            ok &= ~covers.any(axis=1)
            if ok.any():
                chosen, lead = cand[np.argmax(ok)], radius > 9
                break
        if chosen is None:  # nowhere free nearby: beside the point, as matplotlib would
            chosen = np.array([pts[i, 0] + 4 - pad, pts[i, 1] + 4 - pad, pts[i, 0] + 4 + w + pad, pts[i, 1] + 4 + h + pad])
        boxes = np.vstack([boxes, chosen])
        text.set_position(to_data.transform((chosen[0] + pad, chosen[1] + pad)))
        text.set_horizontalalignment("left")
        text.set_verticalalignment("bottom")
        if lead:
            # From the point to the nearest point of the label's box.
            near = np.clip(pts[i], chosen[:2], chosen[2:])
            ax.plot(*to_data.transform([pts[i], near]).T, color="#aaaaaa", lw=0.5, zorder=1)


def labels_overlap(fig, texts) -> int:
    """How many pairs of drawn labels overlap."""
    fig.canvas.draw()  # final layout, as saved
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    return sum(boxes[i].overlaps(boxes[j]) for i in range(len(boxes)) for j in range(i + 1, len(boxes)))


def write_html(words, xy: np.ndarray, output, title: str = "", counts=None, highlight: str | None = None) -> Path:
    """An interactive, self-contained page (plotly; the script is embedded, no network)."""
    try:
        import plotly.graph_objects as go
    except ImportError:
        raise WordvecError("--html needs plotly: pip install 'wordvec[viz]'") from None
    output = Path(output)
    hover = [w if counts is None else f"{w} ({int(c):,})" for w, c in zip(words, counts if counts is not None else words)]
    fig = go.Figure(go.Scatter(
        x=xy[:, 0], y=xy[:, 1], mode="markers+text", text=list(words), hovertext=hover, hoverinfo="text",
        textposition="top center",
        marker=dict(size=7, color=["#d62728" if w == highlight else "#1f77b4" for w in words]),
    ))
    fig.update_layout(title=title or None, template="plotly_white", xaxis=dict(visible=False),
                      yaxis=dict(visible=False, scaleanchor="x"), height=800)
    with atomic_file(output, "w") as f:
        f.write(fig.to_html(include_plotlyjs=True, full_html=True))
    return output


def plot_words(wv, output=None, words=None, top=None, neighbors=None, n_neighbors: int = 30, method: str = "pca",
               html=None, seed: int = 1, title: str | None = None) -> list[str]:
    """Select words, project them to 2-D and draw them (``output``) and/or write an
    interactive page (``html``). Returns the words drawn."""
    if output is None and html is None:
        raise ParameterError("give -o/--output FILE (.png, .svg, .pdf) and/or --html FILE")
    check_choice("--method", method, METHODS)
    if output is not None:
        _image_format(Path(output))  # a bad name fails before any work
    chosen = select_words(wv, words=words, top=top, neighbors=neighbors, n_neighbors=n_neighbors)
    if output is not None and len(chosen) > MAX_PICTURE_WORDS:
        raise ParameterError(f"{len(chosen):,} words are too many to label on a picture (at most {MAX_PICTURE_WORDS:,}): "
                             "draw fewer, or use --html or the Projector (wordvec export --format tensorboard)")
    xy = project_2d(wv[chosen], method=method, seed=seed)
    if title is None:
        what = f"{neighbors!r} and its {len(chosen) - 1} nearest words" if neighbors else f"{len(chosen)} words"
        title = f"{what} ({'PCA' if method == 'pca' else 't-SNE'} of unit vectors)"
    if output is not None:
        draw_map(chosen, xy, output, title=title, highlight=neighbors)
    if html is not None:
        counts = None
        if getattr(wv, "counts", None) is not None:
            counts = [wv.counts[wv.get_index(w)] for w in chosen]
        write_html(chosen, xy, html, title=title, counts=counts, highlight=neighbors)
    return chosen
