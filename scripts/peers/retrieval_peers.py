#!/usr/bin/env python3
"""Peers for `paperdex bench retrieval`, on the very same documents and queries.

Reads DIR/docs.jsonl and DIR/queries.jsonl written by
`paperdex bench retrieval --out DIR` and reports MRR@10 and Recall@10 on the
test split, per task, for:
  - rank_bm25 BM25Okapi (lower-cased word tokens of title + abstract),
  - scikit-learn TF-IDF with arxiv-sanity-lite's settings (1-2-grams,
    sublinear tf, max_df 0.1, min_df 5, 20k features, English stop words),
  - sentence-transformers all-MiniLM-L6-v2 (cosine),
  - reciprocal-rank fusion (k=60) of rank_bm25 and sentence-transformers.
Needs: pip install rank_bm25 scikit-learn sentence-transformers
Usage: python3 scripts/peers/retrieval_peers.py target/bench-retrieval [--model DIR]
"""
import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
import numpy as np

REPO = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r"[a-z0-9]+")


def tokenize(s):
    return TOKEN.findall(s.lower())


def metrics(rankings, targets):
    mrr = rec = 0.0
    for ranked, t in zip(rankings, targets):
        top = list(ranked[:10])
        if t in top:
            mrr += 1.0 / (top.index(t) + 1)
            rec += 1
    n = max(len(targets), 1)
    return mrr / n, rec / n


def top_ids(scores, ids, k=100):
    idx = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [ids[i] for i in idx]


def rrf(a, b, k=60):
    s = {}
    for lst in (a, b):
        for r, d in enumerate(lst):
            s[d] = s.get(d, 0.0) + 1.0 / (k + r + 1)
    return [d for d, _ in sorted(s.items(), key=lambda x: -x[1])]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--model", default=os.environ.get("PAPERDEX_MODEL", str(REPO / "models/all-MiniLM-L6-v2")))
    args = ap.parse_args()
    d = Path(args.dir)
    docs = [json.loads(l) for l in open(d / "docs.jsonl")]
    queries = [json.loads(l) for l in open(d / "queries.jsonl") if json.loads(l)["split"] == "test"]
    ids = [x["id"] for x in docs]
    texts = [(x["title"] + " " + x["abstract"]).strip() for x in docs]
    print(f"{len(docs)} documents, {len(queries)} test queries", file=sys.stderr)

    from rank_bm25 import BM25Okapi
    t = time.time()
    bm25 = BM25Okapi([tokenize(x) for x in texts])
    bm25_rank = [top_ids(np.asarray(bm25.get_scores(tokenize(q["query"]))), ids) for q in queries]
    print(f"rank_bm25: {time.time() - t:.1f} s", file=sys.stderr)

    from sklearn.feature_extraction.text import TfidfVectorizer
    t = time.time()
    vec = TfidfVectorizer(input="content", encoding="utf-8", decode_error="replace", strip_accents="unicode",
                          lowercase=True, analyzer="word", stop_words="english",
                          token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", ngram_range=(1, 2),
                          max_features=20000, norm="l2", use_idf=True, smooth_idf=True,
                          sublinear_tf=True, max_df=0.1, min_df=5)
    X = vec.fit_transform(texts)
    Q = vec.transform([q["query"] for q in queries])
    S = (Q @ X.T).toarray()
    tfidf_rank = [top_ids(S[i], ids) for i in range(len(queries))]
    print(f"tf-idf: {time.time() - t:.1f} s", file=sys.stderr)

    from sentence_transformers import SentenceTransformer
    import torch
    torch.set_num_threads(2)
    t = time.time()
    model = SentenceTransformer(args.model, device="cpu")
    E = model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    QE = model.encode([q["query"] for q in queries], batch_size=32, normalize_embeddings=True)
    st_rank = [top_ids(E @ QE[i], ids) for i in range(len(queries))]
    print(f"sentence-transformers: {time.time() - t:.1f} s", file=sys.stderr)

    fused = [rrf(a, b) for a, b in zip(bm25_rank, st_rank)]
    out = {}
    for task in sorted({q["task"] for q in queries}):
        sel = [i for i, q in enumerate(queries) if q["task"] == task]
        tg = [queries[i]["target"] for i in sel]
        row = {}
        for name, r in [("rank_bm25", bm25_rank), ("tfidf_arxiv_sanity", tfidf_rank),
                        ("sentence_transformers", st_rank), ("rrf60_bm25_st", fused)]:
            m, rc = metrics([r[i] for i in sel], tg)
            row[name] = {"mrr10": m, "recall10": rc, "queries": len(sel)}
            print(f"{task:<6} {name:<22} {m:8.3f} {rc:10.3f} {len(sel):6d}")
        out[task] = row
    (d / "peer_results.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
