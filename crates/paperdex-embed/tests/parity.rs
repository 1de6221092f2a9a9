//! [`MiniLmEmbedder`] against sentence-transformers: the vectors in
//! `tests/data/reference.json` were made by `scripts/peers/embed_reference.py`
//! (sentence-transformers, all-MiniLM-L6-v2, CPU, f32). Needs the model
//! (`scripts/setup-model.sh`, or `PAPERDEX_MODEL`); fails, never skips,
//! without it.

use std::sync::OnceLock;

use paperdex_embed::{default_model_dir, Embedder, HashEmbedder, MiniLmEmbedder, Precision};
use serde::Deserialize;

/// The bar for the default precision (int16 linear layers where the CPU has
/// AVX-512 VNNI, else f32).
const MIN_COSINE: f32 = 0.999;
/// The bar for [`Precision::F32`]: the same arithmetic up to summation order.
const MIN_COSINE_F32: f32 = 0.9999;

#[derive(Deserialize)]
struct Reference {
    max_seq_length: usize,
    dim: usize,
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    text: String,
    tokens: usize,
    vector: Vec<f32>,
}

fn reference() -> Reference {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/reference.json");
    let bytes = std::fs::read(path).expect("tests/data/reference.json");
    serde_json::from_slice(&bytes).expect("reference.json")
}

fn load() -> MiniLmEmbedder {
    let dir = default_model_dir();
    MiniLmEmbedder::load(&dir).unwrap_or_else(|e| {
        panic!(
            "cannot load the embedding model from {}: {e}\n\
             run scripts/setup-model.sh (or set PAPERDEX_MODEL to a model directory)",
            dir.display()
        )
    })
}

fn model() -> &'static MiniLmEmbedder {
    static MODEL: OnceLock<MiniLmEmbedder> = OnceLock::new();
    MODEL.get_or_init(load)
}

fn short(text: &str) -> String {
    text.chars().take(50).collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f32]) -> f32 {
    dot(a, a).sqrt()
}

/// Embeds the reference texts with `model` and checks every cosine with
/// sentence-transformers' vector against `min`; returns the smallest.
fn check_parity(model: &MiniLmEmbedder, min: f32) -> f32 {
    let reference = reference();
    assert_eq!(model.dim(), reference.dim);
    assert_eq!(model.max_seq_len(), reference.max_seq_length);
    assert!(
        model
            .model_id()
            .starts_with("sentence-transformers/all-MiniLM-L6-v2@"),
        "{}",
        model.model_id()
    );

    let texts: Vec<&str> = reference.items.iter().map(|i| i.text.as_str()).collect();
    let got = model.embed(&texts).unwrap();
    assert_eq!(got.len(), texts.len());

    let mut worst = (f32::INFINITY, String::new());
    let mut failures = Vec::new();
    for (item, v) in reference.items.iter().zip(&got) {
        assert_eq!(v.len(), reference.dim);
        assert!(
            (norm(v) - 1.0).abs() < 1e-5,
            "norm {} for {:?}",
            norm(v),
            item.text
        );
        let cos = dot(v, &item.vector) / norm(&item.vector);
        println!(
            "cos {cos:.6}  tokens {:3}  {:?}",
            item.tokens,
            short(&item.text)
        );
        if cos < worst.0 {
            worst = (cos, short(&item.text));
        }
        if cos < min {
            failures.push(format!("cosine {cos} < {min} for {:?}", short(&item.text)));
        }
    }
    println!(
        "{:?}: min cosine {:.6} for {:?}",
        model.precision(),
        worst.0,
        worst.1
    );
    assert!(failures.is_empty(), "{failures:#?}");
    worst.0
}

#[test]
fn matches_sentence_transformers() {
    check_parity(model(), MIN_COSINE);
}

#[test]
fn f32_matches_sentence_transformers_closely() {
    let model = load().with_precision(Precision::F32);
    assert_eq!(model.precision(), Precision::F32);
    check_parity(&model, MIN_COSINE_F32);
}

#[test]
fn order_and_batching_do_not_change_vectors() {
    let reference = reference();
    let model = model();
    // The short texts and one long one keep this quick in debug builds.
    let texts: Vec<&str> = reference
        .items
        .iter()
        .filter(|i| i.tokens < 40 || i.tokens == 191)
        .map(|i| i.text.as_str())
        .collect();
    assert!(texts.len() > 10);
    let all = model.embed(&texts).unwrap();

    // Reversed, and one at a time: the same vectors.
    let mut reversed = texts.clone();
    reversed.reverse();
    let rev = model.embed(&reversed).unwrap();
    for (i, v) in all.iter().enumerate() {
        assert!(
            dot(v, &rev[texts.len() - 1 - i]) > 0.99999,
            "reversed {:?}",
            texts[i]
        );
        let single = model.embed(&[texts[i]]).unwrap().remove(0);
        assert!(dot(v, &single) > 0.99999, "single {:?}", texts[i]);
    }
    assert!(model.embed(&[]).unwrap().is_empty());
}

#[test]
fn similar_texts_are_closer() {
    let model = model();
    let v = model
        .embed(&[
            "graph neural networks for molecule property prediction",
            "message passing networks on molecular graphs",
            "a history of medieval European trade routes",
        ])
        .unwrap();
    assert!(dot(&v[0], &v[1]) > 0.5);
    assert!(dot(&v[0], &v[1]) > dot(&v[0], &v[2]) + 0.3);
}

#[test]
fn missing_model_dir_names_the_fix() {
    let dir = std::env::temp_dir().join("paperdex-embed-no-such-model");
    let err = MiniLmEmbedder::load(&dir).unwrap_err().to_string();
    assert!(err.contains("scripts/setup-model.sh"), "{err}");
    assert!(err.contains("paperdex-embed-no-such-model"), "{err}");
}

#[test]
fn embedders_are_object_safe_and_shareable() {
    fn check<T: Send + Sync>(_: &T) {}
    let fake: Box<dyn Embedder> = Box::new(HashEmbedder::new(384));
    check(&fake);
    check(model());
    assert_eq!(fake.embed(&["x"]).unwrap()[0].len(), 384);
}
