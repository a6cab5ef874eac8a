"""The approximate nearest-neighbour index (wordvec.vectors.ann) behind most_similar."""
import json
import sys
import warnings

import numpy as np
import pytest

from wordvec.errors import ModelFormatError, ParameterError, WordvecError
from wordvec.vectors.keyed import WordVectors

faiss = pytest.importorskip("faiss", reason="the 'ann' extra (faiss-cpu) is not installed")

from wordvec.vectors.ann import ApproximateIndex, index_path  # noqa: E402


def clustered(n=6000, dim=24, clusters=60, seed=0) -> WordVectors:
    """Vectors around a few dozen centres, as word vectors are (topics, parts of speech)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    x = centres[rng.integers(0, clusters, n)] + 0.6 * rng.normal(size=(n, dim))
    return WordVectors([f"w{i}" for i in range(n)], x.astype(np.float32))


def recall_against_exact(wv, words, approximate_lists) -> float:
    hits = total = 0
    for w, got in zip(words, approximate_lists):
        truth = {k for k, _ in wv.most_similar(w, topn=10, approximate=False)}
        hits += len(truth & {k for k, _ in got})
        total += len(truth)
    return hits / total


@pytest.fixture(scope="module")
def indexed():
    wv = clustered()
    wv.build_index(recall=0.95, queries=500, seed=1)
    return wv


def test_build_reaches_the_recall_it_was_asked_for_on_other_queries(indexed):
    ann = indexed.ann_index
    assert ann.recall >= 0.95 and ann.recall_queries == 500
    assert 1 <= ann.nprobe < ann.nlist  # the index does scan less than everything
    words = indexed.index_to_key[3::37][:150]  # mostly words the calibration did not use
    found = [indexed.most_similar(w, topn=10) for w in words]
    assert recall_against_exact(indexed, words, found) >= 0.93


def test_the_similarities_it_returns_are_the_exact_ones(indexed):
    for w in ("w5", "w777", "w4000"):
        exact = dict(indexed.most_similar(w, topn=50, approximate=False))
        got = indexed.most_similar(w, topn=10, approximate=True)
        assert len(got) == 10 and w not in dict(got)
        assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
        for k, s in got:
            if k in exact:
                assert s == pytest.approx(exact[k], abs=1e-5)
            else:  # a neighbour beyond the exact top 50 cannot be ranked among the top 10
                pytest.fail(f"{k} is not among the 50 nearest to {w}")


def test_analogies_vectors_and_batches_go_through_the_index(indexed):
    got = indexed.most_similar(positive=["w1", "w2"], negative=["w3"], topn=5)
    assert len(got) == 5 and not {"w1", "w2", "w3"} & {k for k, _ in got}
    v = indexed.vectors[10]
    by_vector = indexed.similar_by_vector(v, topn=3)
    assert by_vector[0][0] == "w10"  # nothing excluded: the row itself comes first
    words = ["w11", "w12", "w13"]
    batch = indexed.most_similar_batch(words, topn=10)
    assert [len(b) for b in batch] == [10, 10, 10]
    assert all(w not in dict(b) for w, b in zip(words, batch))
    assert recall_against_exact(indexed, words, batch) >= 0.8


def test_exact_search_stays_where_every_score_is_needed(indexed):
    assert indexed.most_similar("w5", topn=None).shape == (len(indexed),)
    restricted = indexed.most_similar("w5", topn=5, restrict_vocab=100)
    assert all(int(k[1:]) < 100 for k, _ in restricted)
    with pytest.raises(ParameterError, match="approximate=True"):
        indexed.most_similar("w5", topn=5, restrict_vocab=100, approximate=True)
    with pytest.raises(ParameterError, match="approximate="):
        indexed.most_similar("w5", approximate="yes")


def test_no_index_means_exact_and_asking_for_one_says_so():
    wv = clustered(n=500)
    with pytest.raises(ParameterError, match="no approximate index"):
        wv.most_similar("w1", approximate=True)
    with pytest.raises(ParameterError, match="build_index first"):
        wv.save_index("/nonexistent/model")


def test_changed_vectors_drop_the_index_with_a_warning():
    wv = clustered(n=800)
    wv.build_index(queries=100)
    wv.vectors[:] = wv.vectors[::-1]  # "training continued"
    with pytest.warns(UserWarning, match="dropped"):
        got = wv.most_similar("w1", topn=3)
    assert wv.ann_index is None
    assert got == wv.most_similar("w1", topn=3, approximate=False)


def test_saved_beside_the_model_and_loaded_back_answers_the_same(indexed, tmp_path):
    model = tmp_path / "model"
    indexed.save(model)
    indexed.save_index(model)
    assert (model / "ann" / "config.json").is_file()
    loaded = WordVectors.load(model)
    assert loaded.ann_index is None  # loading a model never switches to approximate by itself
    ann = loaded.load_index(model)
    assert (ann.nprobe, ann.recall, ann.nlist) == (indexed.ann_index.nprobe, indexed.ann_index.recall,
                                                   indexed.ann_index.nlist)
    for w in ("w1", "w2345"):
        assert loaded.most_similar(w, topn=10) == indexed.most_similar(w, topn=10)
    c_file = tmp_path / "vectors.bin"
    indexed.save_word2vec_format(c_file, binary=True)
    indexed.save_index(c_file)
    assert index_path(c_file) == tmp_path / "vectors.bin.ann" and (tmp_path / "vectors.bin.ann").is_dir()


def test_an_index_of_other_vectors_is_refused(indexed, tmp_path):
    indexed.save_index(tmp_path / "m")
    other = clustered(seed=5)
    with pytest.raises(ModelFormatError, match="built for other vectors"):
        other.load_index(tmp_path / "m")
    small = clustered(n=100)
    with pytest.raises(ModelFormatError, match="rebuild it"):
        small.load_index(tmp_path / "m")


@pytest.mark.parametrize("damage", ["cells_out_of_range", "pickle", "truncated", "config_lies", "not_json", "nan"])
def test_a_damaged_index_is_refused_with_one_line(indexed, tmp_path, damage):
    folder = tmp_path / "m.ann"  # beside a vectors file "m"
    indexed.save_index(tmp_path / "m")
    cfg = json.loads((folder / "config.json").read_text())
    if damage == "cells_out_of_range":
        cells = np.load(folder / "cells.npy")
        cells[7] = cfg["nlist"] + 3
        np.save(folder / "cells.npy", cells)
    elif damage == "pickle":
        (folder / "centroids.npy").write_bytes(b"\x80\x04\x95" + b"\0" * 40)
    elif damage == "truncated":
        data = (folder / "cells.npy").read_bytes()
        (folder / "cells.npy").write_bytes(data[:-100])
    elif damage == "config_lies":
        cfg["nlist"] = cfg["rows"] + 1
        (folder / "config.json").write_text(json.dumps(cfg))
    elif damage == "not_json":
        (folder / "config.json").write_text("{nope")
    elif damage == "nan":
        c = np.load(folder / "centroids.npy")
        c[0, 0] = np.nan
        np.save(folder / "centroids.npy", c)
    with pytest.raises(ModelFormatError) as e:
        indexed.load_index(tmp_path / "m")
    assert "\n" not in str(e.value) and str(folder) in str(e.value)


def test_saving_never_replaces_a_folder_that_is_not_an_index(indexed, tmp_path):
    model = tmp_path / "m"
    (model / "ann").mkdir(parents=True)
    (model / "ann" / "notes.txt").write_text("mine")
    with pytest.raises(WordvecError, match="not a wordvec approximate index"):
        indexed.save_index(model)
    assert (model / "ann" / "notes.txt").read_text() == "mine"


def test_build_parameters_are_checked():
    wv = clustered(n=300)
    for kwargs, name in (({"recall": 0}, "recall"), ({"recall": 1.5}, "recall"), ({"nlist": 0}, "nlist"),
                         ({"nlist": 301}, "nlist"), ({"queries": 0}, "queries")):
        with pytest.raises(ParameterError, match=name):
            wv.build_index(**kwargs)
    with pytest.raises(ParameterError, match="at least 2"):
        ApproximateIndex.build(np.ones((1, 4), np.float32))


def test_recall_one_finds_the_exact_neighbours():
    wv = clustered(n=1500)
    wv.build_index(recall=1.0, queries=200)
    for w in ("w3", "w900"):
        got, exact = wv.most_similar(w, topn=10), wv.most_similar(w, topn=10, approximate=False)
        assert [k for k, _ in got] == [k for k, _ in exact]
        assert [s for _, s in got] == pytest.approx([s for _, s in exact], abs=1e-6)  # float32 sums in another order


def test_without_faiss_one_line_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)  # import faiss now raises ImportError
    with pytest.raises(WordvecError, match=r"'ann' extra.*wordvec\[ann\]"):
        clustered(n=100).build_index()


def test_cli_index_then_similar_uses_it(indexed, tmp_path):
    from click.testing import CliRunner

    from wordvec.cli.main import cli

    model = tmp_path / "model"
    indexed.save(model)
    runner = CliRunner()
    r = runner.invoke(cli, ["index", str(model), "--recall", "0.9"])
    assert r.exit_code == 0, r.output
    assert "nprobe" in r.output and (model / "ann" / "config.json").is_file()
    approx = runner.invoke(cli, ["similar", str(model), "w42", "-n", "5"])
    exact = runner.invoke(cli, ["similar", str(model), "w42", "-n", "5", "--exact"])
    assert approx.exit_code == exact.exit_code == 0
    assert len(approx.output.splitlines()) == 5
    assert len(set(approx.output.splitlines()) & set(exact.output.splitlines())) >= 3
    bad = runner.invoke(cli, ["index", str(model), "--recall", "2"])
    assert bad.exit_code == 2 and "recall" in bad.output and "Traceback" not in bad.output
    missing = runner.invoke(cli, ["similar", str(model), "nosuchword"])
    assert missing.exit_code == 2 and "nosuchword" in missing.output


def test_cli_index_elsewhere_for_a_read_only_model(indexed, tmp_path):
    from click.testing import CliRunner

    from wordvec.cli.main import cli

    model = tmp_path / "vectors.bin"
    indexed.save_word2vec_format(model, binary=True)
    runner = CliRunner()
    r = runner.invoke(cli, ["index", str(model), "-o", str(tmp_path / "elsewhere")])
    assert r.exit_code == 0, r.output
    assert not (tmp_path / "vectors.bin.ann").exists() and (tmp_path / "elsewhere" / "config.json").is_file()
    got = runner.invoke(cli, ["similar", str(model), "w42", "-n", "3", "--index", str(tmp_path / "elsewhere")])
    assert got.exit_code == 0 and len(got.output.splitlines()) == 3
    both = runner.invoke(cli, ["similar", str(model), "w42", "--index", str(tmp_path / "elsewhere"), "--exact"])
    assert both.exit_code == 2 and "choose one" in both.output
    wrong = runner.invoke(cli, ["similar", str(model), "w42", "--index", str(tmp_path / "nothing")])
    assert wrong.exit_code == 2 and "no approximate index" in wrong.output
