"""Topics: wordvec's Topics (over its Doc2Vec) against the top2vec package (over gensim's
Doc2Vec), same documents and settings, each tool in its own process.

Data: the 6,514 articles of the shared enwiki-wikiextractor-AA dump, each cut to its first
``--max-tokens`` tokens (lowercased a-z runs, as doc2vec_vs_gensim.py makes them); both
tools get the same tokens (top2vec with ``tokenizer=str.split`` over the joined tokens).

Pipeline, both tools: PV-DBOW with skip-gram word vectors (top2vec's doc2vec embedding:
``dm=0, dbow_words=1, window 15, sample 1e-5, min_count 50``, negative sampling as its
``speed="fast-learn"``), then UMAP (15 neighbours, 5 components, cosine, ``random_state``
= the seed: single-threaded in both), HDBSCAN (``min_cluster_size`` 15, eom), topic vectors
= cluster centroids in the document space (wordvec: of each cluster's core documents by
default, ``--centroid members`` for top2vec's mean of every member), topic words = nearest word vectors. top2vec's
presets fix vector size and epochs (300, 40); here a thin subclass of gensim's Doc2Vec
puts the benchmark's ``--dim`` and ``--epochs`` (and the seed) into the model top2vec
builds, so both train the same model. top2vec hard-imports ``transformers`` for its
sentence-embedding paths; with it absent, an empty stand-in module is put in its place
(the doc2vec path never touches it).

Quality: NPMI coherence of each topic's top 10 words, from document co-occurrence over the
same (cut) documents (a pair never seen together scores -1), averaged over the topics;
for every topic found, and after each tool's own hierarchical reduction to ``--reduce``
topics (the same number for both). Time: from the documents in memory to the topics
(training, UMAP, HDBSCAN, naming), imports apart; peak memory: the child's VmHWM.

    python benchmarks/topics.py                       # seed 1, both tools
    python benchmarks/topics.py --seeds 1,2 --epochs 20 --max-tokens 2000
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

_WORD = re.compile(r"[a-z]+")


def corpus_file(max_tokens: int) -> Path:
    """Every article's first ``max_tokens`` tokens (lowercased a-z runs; the title line
    dropped), one article a line. Cached."""
    path = common.cache_dir() / f"topics-wiki-{max_tokens}.txt"
    if path.exists():
        return path
    common.require_data()
    tmp, body = path.with_suffix(".tmp"), []
    with open(tmp, "w", encoding="ascii") as dst:
        for f in sorted(common.WIKI.glob("wiki_*.gz")):
            with gzip.open(f, "rt", encoding="utf-8") as src:
                for line in src:
                    if line.startswith("<doc "):
                        body = []
                    elif line.startswith("</doc>"):  # body[0] repeats the title
                        dst.write(" ".join(_WORD.findall(" ".join(body[1:]).lower())[:max_tokens]) + "\n")
                    else:
                        body.append(line)
    os.replace(tmp, path)
    return path


def documents(max_tokens: int) -> list[str]:
    """The articles as lines of space-separated tokens."""
    return corpus_file(max_tokens).read_text(encoding="ascii").splitlines()


def settings(args) -> dict:
    return dict(vector_size=args.dim, window=15, sample=1e-5, negative=5, hs=0, min_count=50, epochs=args.epochs,
                dm=0, dbow_words=1)


def run_wordvec(docs, s: dict, seed: int, workers: int, reduce_to: int, centroid: str = "core") -> dict:
    t0 = time.perf_counter()
    from wordvec.models.doc2vec import Doc2Vec
    from wordvec.vectors.topics import Topics
    import umap, hdbscan  # noqa: F401,E401  (imported here so both tools' imports are timed apart)

    import_s = time.perf_counter() - t0
    rss_import = common.peak_rss_mib()
    t0 = time.perf_counter()
    params = {k: (bool(v) if k in ("dm", "dbow_words", "hs") else v) for k, v in s.items()}
    model = Doc2Vec(**params, workers=workers, seed=seed, standardize="none")
    model.fit(docs)  # the corpus file, streamed (wordvec's usual path); tags are line numbers
    train_s = time.perf_counter() - t0
    topics = Topics(model, umap_neighbors=15, umap_components=5, min_cluster_size=15, seed=seed,
                    centroid=centroid).fit()
    words = [t.words for t in topics.get_topics(topn=10)]
    fit_s = time.perf_counter() - t0
    reduced = topics.reduce_topics(min(reduce_to, len(topics)))
    reduced_words = [t.words for t in reduced.get_topics(topn=10)]
    return dict(import_seconds=import_s, rss_after_import_mib=rss_import, train_seconds=train_s, fit_seconds=fit_s,
                reduce_seconds=time.perf_counter() - t0 - fit_s, vocab=len(model.wv), topics=len(words),
                sizes=topics.topic_sizes().tolist(), words=words, reduced_words=reduced_words)


def run_top2vec(docs, s: dict, seed: int, workers: int, reduce_to: int, centroid=None) -> dict:
    t0 = time.perf_counter()
    try:
        import transformers  # noqa: F401
    except ImportError:  # only top2vec's sentence-embedding paths use it
        stub = types.ModuleType("transformers")
        stub.AutoTokenizer = stub.AutoModel = None
        sys.modules["transformers"] = stub
    import top2vec.top2vec as t2v
    from gensim.models.doc2vec import Doc2Vec as GensimDoc2Vec

    class Doc2Vec(GensimDoc2Vec):  # the benchmark's vector size, epochs and seed in top2vec's model
        def __init__(self, **kwargs):
            kwargs.update(vector_size=s["vector_size"], epochs=s["epochs"], seed=seed)
            super().__init__(**kwargs)

    t2v.Doc2Vec = Doc2Vec
    import_s = time.perf_counter() - t0
    rss_import = common.peak_rss_mib()
    t0 = time.perf_counter()
    model = t2v.Top2Vec(docs, embedding_model="doc2vec", speed="fast-learn",
                        min_count=s["min_count"], workers=workers, tokenizer=str.split, keep_documents=False,
                        umap_args={"n_neighbors": 15, "n_components": 5, "metric": "cosine", "random_state": seed},
                        hdbscan_args={"min_cluster_size": 15, "metric": "euclidean",
                                      "cluster_selection_method": "eom"},
                        verbose=False)
    fit_s = time.perf_counter() - t0
    gm = model.model
    assert (gm.vector_size, gm.epochs, gm.window, gm.sample, gm.negative, gm.hs, gm.dbow_words) == (
        s["vector_size"], s["epochs"], s["window"], s["sample"], s["negative"], s["hs"], s["dbow_words"]), \
        "top2vec trained other settings than the benchmark's"
    n = model.get_num_topics()
    words, _, _ = model.get_topics(n)
    if reduce_to < n:  # top2vec reduces only to fewer topics than it has
        model.hierarchical_topic_reduction(reduce_to)
        reduced, _, _ = model.get_topics(reduce_to, reduced=True)
    else:
        reduced = words
    sizes, _ = model.get_topic_sizes()
    return dict(import_seconds=import_s, rss_after_import_mib=rss_import, train_seconds=None, fit_seconds=fit_s,
                reduce_seconds=time.perf_counter() - t0 - fit_s, vocab=len(gm.wv), topics=int(n),
                sizes=[int(x) for x in sizes], words=[list(w[:10]) for w in words],
                reduced_words=[list(w[:10]) for w in reduced])


def npmi_coherence(topics: list[list[str]], docs: list[list[str]]) -> list[float]:
    """Each topic's mean NPMI over pairs of its words, from document co-occurrence."""
    from scipy.sparse import csr_matrix

    vocab = sorted({w for t in topics for w in t})
    index = {w: i for i, w in enumerate(vocab)}
    rows, cols = [], []
    for r, d in enumerate(docs):
        present = {index[w] for w in set(d) if w in index}
        rows.extend([r] * len(present))
        cols.extend(present)
    x = csr_matrix((np.ones(len(rows), np.float64), (rows, cols)), shape=(len(docs), len(vocab)))
    co = (x.T @ x).toarray()
    n = len(docs)
    p = np.diag(co) / n
    out = []
    for t in topics:
        ids = [index[w] for w in t]
        scores = []
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                pij = co[ids[a], ids[b]] / n
                if pij == 0:
                    scores.append(-1.0)
                elif pij == 1:
                    scores.append(1.0)
                else:
                    scores.append(float(np.log(pij / (p[ids[a]] * p[ids[b]])) / -np.log(pij)))
        out.append(float(np.mean(scores)) if scores else 0.0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tools", default="wordvec,top2vec")
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=1000, help="tokens kept from the start of each article")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--reduce", type=int, default=20, help="both tools' topics merged down to this many")
    ap.add_argument("--centroid", default="core", choices=("core", "members"),
                    help="wordvec's topic vectors: its clusters' core documents, or every member (as top2vec)")
    ap.add_argument("--child", nargs=2, metavar=("TOOL", "SEED"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    s = settings(args)
    if args.child:
        tool, seed = args.child[0], int(args.child[1])
        # top2vec takes the documents as a list of strings; wordvec streams the file
        docs = corpus_file(args.max_tokens) if tool == "wordvec" else documents(args.max_tokens)
        run = run_wordvec if tool == "wordvec" else run_top2vec
        r = run(docs, s, seed, args.workers, args.reduce, args.centroid)
        r.update(tool=tool, seed=seed, peak_rss_mib=common.peak_rss_mib())
        print(json.dumps(r), flush=True)
        return

    docs = [line.split() for line in documents(args.max_tokens)]  # prepared (and cached) before anything is timed
    n_tokens = sum(map(len, docs))
    print(f"{len(docs)} documents, {n_tokens:,} tokens (first {args.max_tokens} of each); settings {s}", flush=True)
    runs = []
    for seed in args.seeds.split(","):
        tools = args.tools.split(",")
        if int(seed) % 2 == 0:
            tools = tools[::-1]
        for tool in tools:
            cmd = [sys.executable, __file__, "--child", tool, seed, "--workers", str(args.workers),
                   "--max-tokens", str(args.max_tokens), "--dim", str(args.dim), "--epochs", str(args.epochs),
                   "--reduce", str(args.reduce), "--centroid", args.centroid]
            t0 = time.perf_counter()
            out = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ))
            if out.returncode != 0:
                sys.exit(f"{tool} seed {seed} failed:\n{out.stderr[-3000:]}")
            r = json.loads(out.stdout.strip().splitlines()[-1])
            r["process_seconds"] = time.perf_counter() - t0
            r["coherence"] = npmi_coherence(r["words"], docs)
            r["reduced_coherence"] = npmi_coherence(r["reduced_words"], docs)
            r["mean_coherence"] = float(np.mean(r["coherence"]))
            r["mean_reduced_coherence"] = float(np.mean(r["reduced_coherence"]))
            runs.append(r)
            print(f"{tool:8s} seed {seed}: {r['topics']:3d} topics, NPMI {r['mean_coherence']:+.4f}  "
                  f"(reduced to {len(r['reduced_words'])}: {r['mean_reduced_coherence']:+.4f})  "
                  f"fit {r['fit_seconds']:6.1f}s  imports {r['import_seconds']:4.1f}s  "
                  f"peak {r['peak_rss_mib']:5.0f} MiB (after imports {r['rss_after_import_mib']:4.0f})  "
                  f"vocab {r['vocab']}", flush=True)
            for words in r["reduced_words"][:5]:
                print(f"          {' '.join(words)}")
    keys = ("topics", "mean_coherence", "mean_reduced_coherence", "fit_seconds", "process_seconds", "peak_rss_mib",
            "rss_after_import_mib")
    means = {}
    for tool in args.tools.split(","):
        rs = [r for r in runs if r["tool"] == tool]
        if rs:
            means[tool] = {k: float(np.mean([r[k] for r in rs])) for k in keys}
    summary = {"documents": len(docs), "tokens": n_tokens, "max_tokens": args.max_tokens, "settings": s,
               "wordvec_centroid": args.centroid,
               "workers": args.workers, "seeds": args.seeds, "reduce": args.reduce, "means": means,
               "runs": [{k: v for k, v in r.items() if k not in ("words", "reduced_words")} for r in runs]}
    a, b = means.get("wordvec"), means.get("top2vec")
    if a and b:
        summary["ratios"] = {"time": b["fit_seconds"] / a["fit_seconds"], "memory": a["peak_rss_mib"] / b["peak_rss_mib"],
                             "coherence_diff": a["mean_coherence"] - b["mean_coherence"],
                             "reduced_coherence_diff": a["mean_reduced_coherence"] - b["mean_reduced_coherence"]}
        r = summary["ratios"]
        print(f"wordvec/top2vec: fit x{r['time']:.2f} faster, memory x{r['memory']:.2f}, NPMI {r['coherence_diff']:+.4f} "
              f"(all topics), {r['reduced_coherence_diff']:+.4f} (reduced to {args.reduce})")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
