"""Aligning two spaces: Procrustes, CSLS, refinement, the mapping folder, the CLI, errors."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import shared_file
from wordvec import ModelFormatError, ParameterError, WordVectors
from wordvec.cli.main import cli
from wordvec.vectors.align import Alignment, align, read_dictionary
from wordvec.vectors.retrieval import mean_top_similarity, nearest, unit_rows


def random_rotation(dim: int, seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return (q * np.sign(np.diag(r))).astype(np.float32)


def spaces(n=400, dim=16, noise=0.0, seed=0, src_prefix="w", tgt_prefix="w"):
    """A random source space and its rotated (optionally noisy) copy; word i <-> word i."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim)).astype(np.float32)
    rotation = random_rotation(dim, seed + 1)
    z = x @ rotation + noise * rng.normal(size=(n, dim)).astype(np.float32)
    src = WordVectors([f"{src_prefix}{i}" for i in range(n)], x)
    tgt = WordVectors([f"{tgt_prefix}{i}" for i in range(n)], z)
    return src, tgt, rotation


def identity_pairs(rows, src_prefix="w", tgt_prefix="w"):
    return [(f"{src_prefix}{i}", f"{tgt_prefix}{i}") for i in rows]


# ---------------------------------------------------------------------- the map
@pytest.mark.parametrize("center, normalize", [(True, True), (False, True), (True, False), (False, False)])
def test_procrustes_recovers_a_known_rotation(center, normalize):
    src, tgt, rotation = spaces()
    m = align(src, tgt, dictionary=identity_pairs(range(50)), center=center, normalize=normalize, refine=0)
    np.testing.assert_allclose(m.W, rotation, atol=1e-5)
    np.testing.assert_allclose(m.W @ m.W.T, np.eye(16), atol=1e-5)
    assert m.evaluate(identity_pairs(range(50, 400)))["nn"]["p@1"] == 1.0


def test_apply_maps_source_vectors_onto_their_targets():
    src, tgt, _ = spaces(300)
    m = align(src, tgt, dictionary=identity_pairs(range(40)), center=False, refine=0)
    mapped = m.apply(src.vectors[:5])
    np.testing.assert_allclose(mapped, unit_rows(tgt.vectors[:5]), atol=1e-5)
    as_words = m.apply(src)
    assert isinstance(as_words, WordVectors) and as_words.index_to_key == src.index_to_key
    np.testing.assert_allclose(m.apply(src.vectors[0]), mapped[0], atol=1e-6)
    with pytest.raises(ParameterError, match="16 dims"):
        m.apply(np.zeros((2, 3)))


# ---------------------------------------------------------------------- retrieval
def brute_force_csls(mapped, target, k):
    cos = unit_rows(mapped) @ unit_rows(target).T
    r_t = np.sort(cos, axis=1)[:, -k:].mean(axis=1)
    r_s = np.sort(cos, axis=0)[-k:, :].mean(axis=0)
    return 2 * cos - r_t[:, None] - r_s[None, :]


def test_csls_matches_a_direct_computation(monkeypatch):
    import wordvec.vectors.retrieval as retrieval

    monkeypatch.setattr(retrieval, "MAX_BLOCK_BYTES", 4 * 7 * 60)  # blocks of 7 rows: the blocking is exercised
    rng = np.random.default_rng(3)
    src = WordVectors([f"s{i}" for i in range(50)], rng.normal(size=(50, 8)))
    tgt = WordVectors([f"t{i}" for i in range(60)], rng.normal(size=(60, 8)))
    m = align(src, tgt, dictionary=[(f"s{i}", f"t{i}") for i in range(20)], refine=0, csls_k=4)
    expected = brute_force_csls(m.apply(src.vectors), m._target_unit(), 4)
    found = m.translate(src.index_to_key, topn=60, method="csls")
    for i, w in enumerate(src.index_to_key):
        scores = dict(found[w])
        got = np.array([scores[f"t{j}"] for j in range(60)])
        np.testing.assert_allclose(got, expected[i], atol=1e-5)
        assert [t for t, _ in found[w][:5]] == [f"t{j}" for j in np.argsort(-expected[i], kind="stable")[:5]]


def test_nearest_and_radius_in_blocks_agree_with_whole_matrices(monkeypatch):
    import wordvec.vectors.retrieval as retrieval

    rng = np.random.default_rng(5)
    q, keys = unit_rows(rng.normal(size=(33, 6))), unit_rows(rng.normal(size=(41, 6)))
    whole = mean_top_similarity(q, keys, 3), nearest(q, keys, 4)
    monkeypatch.setattr(retrieval, "MAX_BLOCK_BYTES", 4 * 41 * 5)
    blocked = mean_top_similarity(q, keys, 3), nearest(q, keys, 4)
    np.testing.assert_allclose(whole[0], blocked[0], atol=1e-6)
    np.testing.assert_array_equal(whole[1][0], blocked[1][0])
    np.testing.assert_allclose(whole[0], np.sort(q @ keys.T, axis=1)[:, -3:].mean(axis=1), atol=1e-6)


def test_translate_returns_pairs_for_a_word_and_a_dict_for_a_list():
    src, tgt, _ = spaces(100, src_prefix="s", tgt_prefix="t")
    m = align(src, tgt, dictionary=identity_pairs(range(30), "s", "t"))
    one = m.translate("s40", topn=3)
    assert len(one) == 3 and one[0][0] == "t40"
    many = m.translate(["s41", "s42"], topn=2, method="nn")
    assert [v[0][0] for v in many.values()] == ["t41", "t42"] and abs(many["s41"][0][1] - 1) < 1e-4
    with pytest.raises(KeyError, match="s999"):
        m.translate("s999")
    with pytest.raises(ParameterError, match="method"):
        m.translate("s1", method="faiss")


# ---------------------------------------------------------------------- refinement
def test_refinement_never_lowers_p_at_1_on_a_rotated_noisy_copy():
    for seed in range(3):
        src, tgt, _ = spaces(600, dim=20, noise=0.6, seed=seed)
        seed_pairs, test_pairs = identity_pairs(range(25)), identity_pairs(range(100, 600))
        plain = align(src, tgt, dictionary=seed_pairs, refine=0).evaluate(test_pairs)
        refined_map = align(src, tgt, dictionary=seed_pairs, refine=5)
        refined = refined_map.evaluate(test_pairs)
        for method in ("nn", "csls"):
            assert refined[method]["p@1"] >= plain[method]["p@1"], (seed, method, plain, refined)
        history = refined_map.info["history"]
        kept = [h for h in history if h["kept"]]
        assert kept and kept[-1]["mean_cosine"] == max(h["mean_cosine"] for h in history)


def test_evaluate_counts_any_listed_translation_and_skips_unknown_words():
    src, tgt, _ = spaces(100, src_prefix="s", tgt_prefix="t")
    m = align(src, tgt, dictionary=identity_pairs(range(30), "s", "t"), refine=0)
    r = m.evaluate([("s50", "t50"), ("s50", "t1"), ("s51", "t51"), ("s52", "nope"), ("nope", "t3")])
    assert r["pairs_read"] == 5 and r["pairs_used"] == 3 and r["queries"] == 2
    assert r["nn"] == {"p@1": 1.0, "p@5": 1.0, "p@10": 1.0}


def test_changed_words_finds_the_words_that_moved():
    src, tgt, rotation = spaces(300, dim=16, noise=0.01)
    moved = tgt.vectors.copy()
    rng = np.random.default_rng(9)
    for i in (200, 250):  # these words change meaning: a new random vector
        moved[i] = rng.normal(size=16)
    tgt = WordVectors(tgt.index_to_key, moved)
    m = align(src, tgt, dictionary="identical")
    found = m.changed_words(topn=2, neighbours=3)
    assert {c.word for c in found} == {"w200", "w250"}
    assert all(len(c.source_neighbours) == 3 and len(c.target_neighbours) == 3 for c in found)
    assert found[0].similarity <= found[1].similarity < 0.9


# ---------------------------------------------------------------------- files
def test_mapping_round_trips_exactly(tmp_path):
    src, tgt, _ = spaces(120, src_prefix="s", tgt_prefix="t", noise=0.1)
    m = align(src, tgt, dictionary=identity_pairs(range(40), "s", "t"), csls_k=5)
    m.save(tmp_path / "map")
    assert {p.name for p in (tmp_path / "map").iterdir()} == {
        "config.json", "W.npy", "source_mean.npy", "target_mean.npy", "source", "target"}
    back = Alignment.load(tmp_path / "map")
    np.testing.assert_array_equal(back.W, m.W)
    np.testing.assert_array_equal(back.source_mean, m.source_mean)
    np.testing.assert_array_equal(back.source.vectors, m.source.vectors)
    assert back.csls_k == 5 and back.info == json.loads(json.dumps(m.info))
    words = [f"s{i}" for i in range(40, 60)]
    assert back.translate(words) == m.translate(words)
    m.save(tmp_path / "map")  # replacing a mapping is fine


def test_load_rejects_what_is_not_a_mapping(tmp_path):
    src, tgt, _ = spaces(50)
    with pytest.raises(ModelFormatError, match="no such mapping"):
        Alignment.load(tmp_path / "none")
    src.save(tmp_path / "vectors")
    with pytest.raises(ModelFormatError, match="not a wordvec mapping"):
        Alignment.load(tmp_path / "vectors")
    m = align(src, tgt, refine=0)
    m.save(tmp_path / "map")
    np.save(tmp_path / "map" / "W.npy", np.zeros((3, 3), np.float32))
    with pytest.raises(ModelFormatError, match="W.npy"):
        Alignment.load(tmp_path / "map")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("mine")
    with pytest.raises(Exception, match="refusing to replace"):
        m.save(tmp_path / "docs")


# ---------------------------------------------------------------------- errors
def test_error_cases(tmp_path):
    src, tgt, _ = spaces(50, src_prefix="s", tgt_prefix="t")
    small = WordVectors(["a"], np.ones((1, 3)))
    with pytest.raises(ParameterError, match="16 dims and target 3"):
        align(src, small)
    with pytest.raises(ParameterError, match="empty"):
        align(src, tgt, dictionary=[])
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(ParameterError, match="empty"):
        align(src, tgt, dictionary=empty)
    with pytest.raises(ParameterError, match=r"none of the 3 pairs read is usable \(2 have their source word missing"):
        align(src, tgt, dictionary=[("x", "t1"), ("y", "t2"), ("s1", "z")])
    with pytest.raises(ParameterError, match="no word is spelled the same"):
        align(src, tgt, dictionary="identical")
    bad = tmp_path / "bad.txt"
    bad.write_text("one uno\nthree\n")
    with pytest.raises(ModelFormatError, match=r"bad.txt:2: expected"):
        read_dictionary(bad)
    with pytest.raises(ParameterError, match="no such dictionary"):
        align(src, tgt, dictionary=tmp_path / "missing.txt")
    for name, value in (("refine", -1), ("csls_k", 0), ("center", "yes"), ("max_pairs", 0), ("tol", -1)):
        with pytest.raises(ParameterError, match=f"{name}="):
            align(src, tgt, dictionary=identity_pairs(range(5), "s", "t"), **{name: value})


# ---------------------------------------------------------------------- real data
def test_gensim_english_italian_seed_dictionary():
    folder = "gensim-test-data/"
    en = WordVectors.load(shared_file(folder + "EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt"))
    it = WordVectors.load(shared_file(folder + "IT.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt"))
    pairs = read_dictionary(shared_file(folder + "OPUS_en_it_europarl_train_one2ten.txt"))
    m = align(en, it, dictionary=pairs)
    assert m.info["pairs_used"] == len(pairs)
    assert m.translate("dog", topn=1)[0][0] == "cane"
    assert m.evaluate(pairs)["csls"]["p@1"] == 1.0  # 300 dims, 20 pairs: the map fits them all
    held = align(en, it, dictionary=pairs[:15], refine=0).evaluate(pairs[15:])
    assert held["queries"] == len(pairs) - 15


# ---------------------------------------------------------------------- CLI
def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def test_cli_align_and_translate_end_to_end(tmp_path):
    src, tgt, _ = spaces(200, src_prefix="s", tgt_prefix="t", noise=0.05)
    src.save(tmp_path / "src")  # a native folder
    tgt.save_word2vec_format(tmp_path / "tgt.txt")  # a C-format file
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("".join(f"s{i}\tt{i}\n" for i in range(80)))
    code, out = run("align", tmp_path / "src", tmp_path / "tgt.txt", "--dictionary", pairs, "-o", tmp_path / "map",
                    "--heldout", 0.25)
    assert code == 0, out
    assert "on 60 of 60 pairs" in out and "heldout: 20 words" in out and "P@1 100.0%" in out
    code, out = run("translate", tmp_path / "map", "s150", "-n", 2)
    assert code == 0, out
    assert out.splitlines()[0].endswith("  t150") and len(out.splitlines()) == 2
    code, out = run("translate", tmp_path / "map", "s150", "s151", "--method", "nn")
    assert code == 0 and out.splitlines()[0] == "s150:" and "s151:" in out
    code, out = run("align", tmp_path / "src", tmp_path / "tgt.txt", "-d", pairs, "-o", tmp_path / "map2",
                    "--test", pairs, "--json", "--refine", 0)
    assert code == 0, out
    assert json.loads(out)["test"]["csls"]["p@1"] == 1.0


@pytest.mark.parametrize("args, message", [
    (["align", "{src}", "{tgt}", "-d", "identical", "-o", "{out}"], "no word is spelled the same"),
    (["align", "{src}", "{small}", "-d", "{pairs}", "-o", "{out}"], "16 dims and target 3"),
    (["align", "{src}", "{tgt}", "-d", "{empty}", "-o", "{out}"], "the dictionary is empty"),
    (["align", "{src}", "{tgt}", "-d", "{pairs}", "-o", "{out}", "--heldout", "1.5"], "--heldout=1.5 is invalid"),
    (["align", "{src}", "{tgt}", "-d", "{pairs}", "-o", "{out}", "--refine", "-2"], "--refine=-2 is invalid"),
    (["translate", "{src}", "s1"], "not a wordvec mapping"),
    (["translate", "{map}", "nope"], "'nope' not in vocabulary"),
    (["translate", "{map}", "s1", "-n", "0"], "--topn=0 is invalid"),
])
def test_cli_errors_are_one_line_and_exit_2(tmp_path, args, message):
    src, tgt, _ = spaces(60, src_prefix="s", tgt_prefix="t")
    src.save(tmp_path / "src")
    tgt.save(tmp_path / "tgt")
    WordVectors(["a"], np.ones((1, 3))).save(tmp_path / "small")
    (tmp_path / "pairs.txt").write_text("s1 t1\ns2 t2\n")
    (tmp_path / "empty.txt").write_text("")
    align(src, tgt, dictionary=identity_pairs(range(10), "s", "t"), refine=0).save(tmp_path / "map")
    names = {n: tmp_path / n for n in ("src", "tgt", "small", "map", "out")}
    names.update(pairs=tmp_path / "pairs.txt", empty=tmp_path / "empty.txt")
    code, out = run(*[a.format(**names) for a in args])
    assert code == 2, out
    assert out.count("\n") == 1 and out.startswith("wordvec: error: ") and message in out, out
