"""doc2vec: wordvec's Doc2Vec against gensim's, same documents and settings, in one run.

Two tasks, each tool in its own process (peak memory is the process's), tools alternating:

- Lee (gensim's tutorial): train on lee_background.cor (300 documents), infer the 50
  documents of lee.cor and correlate their cosine similarities with people's ratings
  (similarities0-1.txt, upper triangle; Pearson). Tutorial settings: vector_size 50,
  min_count 2, 40 epochs. Also the share of training documents that, inferred again,
  find their own tag first.
- Wikipedia retrieval: every article of the shared enwiki-wikiextractor-AA dump with at
  least 200 tokens; train on the first half of each (tag: its title), infer the second
  halves, and count how often the right title comes first (top-1) and in the first 10.
  vector_size 100, window 5, negative 5, sample 1e-3, min_count 5, 5 epochs.

Both tools get the same tokens (lowercased a-z runs, as gensim's simple_preprocess does
before its length filter). wordvec streams its corpus from a file (its usual path);
gensim trains on a list of TaggedDocument (its usual path for doc2vec). Training
words/s counts corpus tokens x epochs over the train() call alone; inference is timed
over all documents (wordvec: one infer_vectors call on the workers; gensim: its
infer_vector loop).

    python benchmarks/doc2vec_vs_gensim.py                 # both tasks, 3 modes, seeds 1,2,3
    python benchmarks/doc2vec_vs_gensim.py --tasks lee --seeds 1
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
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

LEE = common.DATA / "gensim-test-data"
MODES = {
    "dbow": dict(dm=0),
    "dbow+words": dict(dm=0, dbow_words=1),
    "dm-mean": dict(dm=1, dm_mean=1),
}
TASKS = {
    "lee": dict(vector_size=50, min_count=2, epochs=40, window=5, negative=5, sample=1e-3),
    "wiki": dict(vector_size=100, min_count=5, epochs=5, window=5, negative=5, sample=1e-3),
}
_WORD = re.compile(r"[a-z]+")


def tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def lee_documents(name: str) -> list[list[str]]:
    return [tokens(line) for line in (LEE / name).read_text(encoding="latin-1").splitlines()]


def wiki_articles(min_tokens: int = 200) -> list[tuple[str, list[str]]]:
    """(title, tokens) of every article with at least ``min_tokens`` tokens. Cached."""
    cache = common.cache_dir() / "doc2vec-wiki-articles.json"
    if cache.exists():
        return [tuple(a) for a in json.loads(cache.read_text())]
    common.require_data()
    articles, title, body = [], None, []
    for f in sorted(common.WIKI.glob("wiki_*.gz")):
        with gzip.open(f, "rt", encoding="utf-8") as src:
            for line in src:
                if line.startswith("<doc "):
                    title, body = re.search(r'title="([^"]*)"', line).group(1), []
                elif line.startswith("</doc>"):
                    toks = tokens(" ".join(body[1:]))  # body[0] repeats the title
                    if len(toks) >= min_tokens:
                        articles.append((title.replace(" ", "_").replace("\t", "_"), toks))
                else:
                    body.append(line)
    seen, unique = set(), []
    for t, toks in articles:  # a title is a tag: keep the first article of each
        if t not in seen:
            seen.add(t)
            unique.append((t, toks))
    cache.write_text(json.dumps(unique))
    return unique


def task_data(task: str):
    """(train documents as (tag, tokens), evaluation input)."""
    if task == "lee":
        train = [(i, d) for i, d in enumerate(lee_documents("lee_background.cor"))]
        return train, lee_documents("lee.cor")
    articles = wiki_articles()
    train = [(t, toks[: len(toks) // 2]) for t, toks in articles]
    return train, [toks[len(toks) // 2 :] for _, toks in articles]


def lee_pearson(inferred: np.ndarray) -> float:
    ratings = np.loadtxt(LEE / "similarities0-1.txt")
    unit = inferred / np.linalg.norm(inferred, axis=1, keepdims=True)
    sims = unit @ unit.T
    iu = np.triu_indices(len(unit), 1)
    return float(np.corrcoef(sims[iu], ratings[iu])[0, 1])


def retrieval(inferred: np.ndarray, doc_vectors: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Share of queries whose right document ranks first / in the first 10 (exact, blocked)."""
    dv = doc_vectors / np.linalg.norm(doc_vectors, axis=1, keepdims=True)
    q = inferred / np.linalg.norm(inferred, axis=1, keepdims=True)
    top1 = top10 = 0
    for s in range(0, len(q), 512):
        scores = q[s : s + 512] @ dv.T
        right = scores[np.arange(scores.shape[0]), truth[s : s + 512]]
        rank = (scores > right[:, None]).sum(axis=1)
        top1 += int((rank == 0).sum())
        top10 += int((rank < 10).sum())
    return top1 / len(q), top10 / len(q)


def self_first(model_rows: np.ndarray, inferred: np.ndarray) -> float:
    """Share of training documents whose inferred vector is nearest its own row."""
    return retrieval(inferred, model_rows, np.arange(len(inferred)))[0]


def run_one(tool: str, task: str, mode: str, seed: int, workers: int) -> dict:
    settings = dict(TASKS[task], **MODES[mode])
    train, evaluation = task_data(task)
    n_tokens = sum(len(d) for _, d in train)
    wall0 = time.perf_counter()
    if tool == "wordvec":
        from wordvec.models.doc2vec import Doc2Vec

        path = common.cache_dir() / f"doc2vec-{task}-train.txt"
        if not path.exists():
            with open(path, "w", encoding="utf-8") as f:
                f.writelines(f"{tag}\t{' '.join(d)}\n" for tag, d in train)
        params = {k: (bool(v) if k in ("dm", "dm_mean", "dbow_words") else v) for k, v in settings.items()}
        model = Doc2Vec(**params, workers=workers, seed=seed, standardize="none")
        model.build_vocab(path)
        t0 = time.perf_counter()
        model.train()
        train_s = time.perf_counter() - t0
        rows = {str(k): i for i, k in enumerate(model.dv.index_to_key)}
        doc_vectors = np.asarray(model.dv.vectors)
        t0 = time.perf_counter()
        inferred = model.infer_vectors(evaluation, workers=workers)
        infer_s = time.perf_counter() - t0
        own = model.infer_vectors([d for _, d in train], workers=workers) if task == "lee" else None
        vocab = len(model.wv)
    else:
        from gensim.models.doc2vec import Doc2Vec, TaggedDocument

        docs = [TaggedDocument(d, [tag]) for tag, d in train]
        model = Doc2Vec(**settings, workers=workers, seed=seed)
        model.build_vocab(docs)
        t0 = time.perf_counter()
        model.train(docs, total_examples=len(docs), epochs=model.epochs)
        train_s = time.perf_counter() - t0
        rows = {str(k): i for i, k in enumerate(model.dv.index_to_key)}
        doc_vectors = np.asarray(model.dv.vectors)
        t0 = time.perf_counter()
        inferred = np.stack([model.infer_vector(d) for d in evaluation])
        infer_s = time.perf_counter() - t0
        own = np.stack([model.infer_vector(d) for _, d in train]) if task == "lee" else None
        vocab = len(model.wv)
    result = {"tool": tool, "task": task, "mode": mode, "seed": seed, "documents": len(train), "tokens": n_tokens,
              "vocab": vocab, "train_seconds": train_s, "words_per_sec": n_tokens * settings["epochs"] / train_s,
              "infer_seconds": infer_s, "infer_docs_per_sec": len(evaluation) / infer_s}
    order = np.array([rows[str(tag)] for tag, _ in train])
    if task == "lee":
        result["pearson"] = lee_pearson(inferred)
        result["self_first"] = self_first(doc_vectors[order], own)
    else:
        result["top1"], result["top10"] = retrieval(inferred, doc_vectors, order)
    result["wall_seconds"] = time.perf_counter() - wall0
    result["peak_rss_mib"] = common.peak_rss_mib()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tasks", default="lee,wiki")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--tools", default="wordvec,gensim")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--child", nargs=4, metavar=("TOOL", "TASK", "MODE", "SEED"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        tool, task, mode, seed = args.child
        print(json.dumps(run_one(tool, task, mode, int(seed), args.workers)), flush=True)
        return

    quality = {"lee": ("pearson", "self_first"), "wiki": ("top1", "top10")}
    runs = []
    for task in args.tasks.split(","):
        task_data(task)  # prepare (and cache) before anything is timed
        for mode in args.modes.split(","):
            for seed in args.seeds.split(","):
                tools = args.tools.split(",")
                if int(seed) % 2 == 0:
                    tools = tools[::-1]  # alternate which tool goes first
                for tool in tools:
                    cmd = [sys.executable, __file__, "--child", tool, task, mode, seed, "--workers", str(args.workers)]
                    out = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ))
                    if out.returncode != 0:
                        sys.exit(f"{tool} {task} {mode} failed:\n{out.stderr[-3000:]}")
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    runs.append(r)
                    q = "  ".join(f"{k} {r[k]:.3f}" for k in quality[task])
                    print(f"{task:4s} {mode:10s} {tool:7s} seed {seed}: {r['words_per_sec']:>10,.0f} words/s  "
                          f"train {r['train_seconds']:6.1f}s  infer {r['infer_seconds']:6.2f}s  "
                          f"peak {r['peak_rss_mib']:5.0f} MiB  {q}", flush=True)
    keys = ("words_per_sec", "train_seconds", "infer_seconds", "peak_rss_mib", "pearson", "self_first", "top1", "top10")
    groups: dict = {}
    for r in runs:
        groups.setdefault((r["task"], r["mode"], r["tool"]), []).append(r)
    means = {g: {k: float(np.mean([r[k] for r in rs])) for k in keys if k in rs[0]} for g, rs in groups.items()}
    summary = {"workers": args.workers, "seeds": args.seeds, "runs": runs,
               "means": {"/".join(g): v for g, v in means.items()}, "ratios": {}}
    for task in args.tasks.split(","):
        for mode in args.modes.split(","):
            a, b = means.get((task, mode, "wordvec")), means.get((task, mode, "gensim"))
            if not (a and b):
                continue
            ratio = {"speed": a["words_per_sec"] / b["words_per_sec"], "inference": b["infer_seconds"] / a["infer_seconds"],
                     "memory": a["peak_rss_mib"] / b["peak_rss_mib"]}
            ratio.update({f"{k}_diff_points": 100 * (a[k] - b[k]) for k in quality[task]})
            summary["ratios"][f"{task}/{mode}"] = ratio
            diffs = "  ".join(f"{k} {ratio[f'{k}_diff_points']:+.2f} points ({100 * a[k]:.1f} vs {100 * b[k]:.1f})"
                              for k in quality[task])
            print(f"{task:4s} {mode:10s} wordvec/gensim (mean of {len(groups[(task, mode, 'wordvec')])}): "
                  f"words/s x{ratio['speed']:.2f}, inference x{ratio['inference']:.2f} faster, "
                  f"memory x{ratio['memory']:.2f}, {diffs}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
