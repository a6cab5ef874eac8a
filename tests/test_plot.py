"""``wordvec plot``: which words are drawn, where, and whether the labels can be read."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from click.testing import CliRunner  # noqa: E402

from wordvec.cli.main import cli  # noqa: E402
from wordvec.errors import ParameterError, WordvecError  # noqa: E402
from wordvec.viz.plot import build_figure, labels_overlap, plot_words, project_2d, select_words  # noqa: E402
from wordvec.vectors.keyed import WordVectors  # noqa: E402


def clustered_vectors(n_clusters=4, per=25, dim=20, seed=0):
    """Words c<k>_<i> around ``n_clusters`` random directions (100 words by default)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_clusters, dim))
    words, rows = [], []
    for k in range(n_clusters):
        for i in range(per):
            words.append(f"c{k}_{i}")
            rows.append(centres[k] + 0.25 * rng.normal(size=dim))
    order = rng.permutation(len(words))
    words = [words[i] for i in order]
    return WordVectors(words, np.asarray(rows, np.float32)[order], np.arange(len(words), 0, -1))


@pytest.fixture(scope="module")
def wv():
    return clustered_vectors()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, wv):
    path = tmp_path_factory.mktemp("plot") / "vectors"
    wv.save(path)
    return path


def test_select_words(wv):
    assert select_words(wv) == wv.index_to_key[:100]
    assert select_words(wv, top=5) == wv.index_to_key[:5]
    assert select_words(wv, words=["c1_0", "c2_0", "c1_0", "c3_3"]) == ["c1_0", "c2_0", "c3_3"]
    near = select_words(wv, neighbors="c0_0", n_neighbors=10)
    assert near[0] == "c0_0" and len(near) == 11
    assert near[1:] == [w for w, _ in wv.most_similar("c0_0", topn=10)]
    assert all(w.startswith("c0_") for w in near)  # its own cluster


@pytest.mark.parametrize("kwargs, message", [
    (dict(words=["c0_0", "nope", "zilch"]), "not in the vocabulary: 'nope', 'zilch'"),
    (dict(neighbors="nope"), "'nope' not in vocabulary"),
    (dict(top=0), "--top=0 is invalid"),
    (dict(top=2), "at least 3 words"),
    (dict(top=5, neighbors="c0_0"), "choose one of --words, --top and --neighbors"),
])
def test_select_words_errors(wv, kwargs, message):
    with pytest.raises(WordvecError, match=message):
        select_words(wv, **kwargs)


def test_pca_keeps_distances_of_vectors_in_a_plane():
    rng = np.random.default_rng(1)
    angles = rng.uniform(0, 2 * np.pi, 30)
    plane = np.column_stack([np.cos(angles), np.sin(angles)])  # unit vectors in 2-D...
    basis, _ = np.linalg.qr(rng.normal(size=(16, 2)))
    vectors = (plane @ basis.T) * rng.uniform(0.5, 3, (30, 1))  # ...rotated into 16-D, any length
    xy = project_2d(vectors, "pca")
    d_map = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
    d_true = np.linalg.norm(plane[:, None] - plane[None], axis=-1)
    np.testing.assert_allclose(d_map, d_true, atol=1e-9)
    np.testing.assert_array_equal(project_2d(vectors, "pca"), xy)  # same input, same map


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_clusters_stay_apart_on_the_map(wv, method):
    if method == "tsne":
        pytest.importorskip("sklearn")
    words = select_words(wv, top=100 if method == "pca" else 40)
    xy = project_2d(wv[words], method)
    cluster = np.array([w.split("_")[0] for w in words])
    d = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    nearest = d.argmin(axis=1)
    assert (cluster[nearest] == cluster).mean() > 0.95


def test_unknown_method_is_a_parameter_error(wv):
    with pytest.raises(ParameterError, match="method='umap' is invalid"):
        project_2d(wv.vectors, "umap")


def test_one_hundred_labels_do_not_overlap(wv):
    words = select_words(wv, top=100)
    xy = project_2d(wv[words], "pca")
    fig, ax, texts = build_figure(words, xy, title="test")
    assert [t.get_text() for t in texts] == words
    # Crowded clusters: many labels would collide where they were placed first.
    assert labels_overlap(fig, texts) == 0
    # Every label stays inside the picture.
    frame = ax.get_window_extent(fig.canvas.get_renderer())
    for t in texts:
        box = t.get_window_extent(fig.canvas.get_renderer())
        assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1 and frame.y0 - 1 <= box.y0 and box.y1 <= frame.y1 + 1


def test_cli_draws_a_png(model_dir, tmp_path):
    import matplotlib.image

    out = tmp_path / "map.png"
    result = CliRunner().invoke(cli, ["plot", str(model_dir), "--top", "100", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "drew 100 words (pca)" in result.output
    image = matplotlib.image.imread(out)
    assert image.shape[0] >= 800 and image.shape[1] >= 1000  # 10 x 8 inches at 120 dpi for 100 words
    assert image[..., :3].std() > 0.01  # something was drawn
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]  # no temporary left behind


def test_cli_svg_carries_the_labels(model_dir, tmp_path):
    out = tmp_path / "map.svg"
    result = CliRunner().invoke(cli, ["plot", str(model_dir), "--words", "c0_1,c1_1,c2_1,c3_1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    svg = out.read_text()
    assert svg.startswith("<?xml") and "4 words (PCA of unit vectors)" in svg
    assert svg.count("<!-- c") >= 4  # matplotlib writes each text as a comment with its content


def test_cli_html_page_is_self_contained(model_dir, tmp_path):
    pytest.importorskip("plotly")
    page = tmp_path / "map.html"
    result = CliRunner().invoke(cli, ["plot", str(model_dir), "--neighbors", "c2_3", "-n", "8", "--html", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert "'c2_3' and its 8 nearest words" in html
    assert '"c2_3"' in html and "plotly" in html.lower()
    assert '<script src="http' not in html  # the script is embedded: works offline


@pytest.mark.parametrize("args, message", [
    (["--top", "10"], "give -o/--output FILE"),
    (["--top", "10", "-o", "map.gif"], "unknown picture type '.gif'"),
    (["--words", "c0_1,nope,c1_1", "-o", "map.png"], "not in the vocabulary: 'nope'"),
])
def test_cli_errors_are_one_line(model_dir, tmp_path, args, message):
    result = CliRunner().invoke(cli, ["plot", str(model_dir), *[str(tmp_path / a) if a.startswith("map.") else a for a in args]])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert not list(tmp_path.iterdir())


def test_too_many_words_for_a_picture(tmp_path):
    big = WordVectors([f"w{i}" for i in range(1001)], np.random.default_rng(0).normal(size=(1001, 3)))
    with pytest.raises(ParameterError, match="1,001 words are too many to label on a picture"):
        plot_words(big, tmp_path / "map.png", top=1001)
    assert not list(tmp_path.iterdir())


def test_plot_words_needs_an_output(wv):
    with pytest.raises(ParameterError, match="give -o/--output"):
        plot_words(wv, None)
