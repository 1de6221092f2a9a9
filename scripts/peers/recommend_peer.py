#!/usr/bin/env python3
"""arxiv-sanity-lite's recommender, as the baseline of `paperdex bench recommend`.

Reads DIR/docs.jsonl ({"id", "text"}: title, abstract and authors of every
paper of the library) and DIR/tasks.jsonl ({"author", "starred", "held_out"})
written by `paperdex bench recommend --out DIR`. For every task it trains what
arxiv-sanity-lite trains per user tag: scikit-learn TfidfVectorizer with its
settings (1-2-grams, sublinear tf, max_df 0.1, min_df 5, 20k features, English
stop words, its token pattern) and LinearSVC(C=0.01, class_weight="balanced"),
starred papers positive, every other paper negative; ranks the unstarred
papers by decision value and counts held-out papers in the top 20.
Prints mean recall@20 over authors and total hits.

Needs: scikit-learn (see scripts/peers/README.md for the venv).
Usage: python scripts/peers/recommend_peer.py target/bench-recommend
"""
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn import svm
from sklearn.feature_extraction.text import TfidfVectorizer

TOP = 20


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "target/bench-recommend")
    docs = [json.loads(l) for l in (out / "docs.jsonl").open()]
    tasks = [json.loads(l) for l in (out / "tasks.jsonl").open()]
    ids = [d["id"] for d in docs]
    row = {pid: i for i, pid in enumerate(ids)}
    # arxiv-sanity-lite compute.py
    v = TfidfVectorizer(input="content", encoding="utf-8", decode_error="replace",
                        strip_accents="unicode", lowercase=True, analyzer="word",
                        stop_words="english", token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
                        ngram_range=(1, 2), max_features=20000, norm="l2", use_idf=True,
                        smooth_idf=True, sublinear_tf=True, max_df=0.1, min_df=5)
    x = v.fit_transform([d["text"] for d in docs]).astype(np.float32)
    recall_sum, hits, held_total, times = 0.0, 0, 0, []
    for t in tasks:
        y = np.zeros(len(ids), dtype=np.float32)
        starred = [row[p] for p in t["starred"]]
        y[starred] = 1
        start = time.perf_counter()
        # arxiv-sanity-lite serve.py svm_rank
        clf = svm.LinearSVC(class_weight="balanced", verbose=False, max_iter=10000, tol=1e-6, C=0.01)
        clf.fit(x, y)
        s = clf.decision_function(x)
        s[starred] = -np.inf
        top = np.argsort(-s, kind="stable")[:TOP]
        times.append((time.perf_counter() - start) * 1000)
        held = {row[p] for p in t["held_out"]}
        found = sum(1 for i in top if i in held)
        hits += found
        held_total += len(held)
        recall_sum += found / len(held)
    print(f"{'arxiv-sanity-lite: sklearn tf-idf, LinearSVC C=0.01':<48} mean recall@20 "
          f"{recall_sum / len(tasks):.4f}  hits {hits}/{held_total}  "
          f"({np.median(times):.0f} ms/author median; {len(tasks)} authors, {len(ids)} papers, "
          f"{x.shape[1]} features)")


if __name__ == "__main__":
    main()
