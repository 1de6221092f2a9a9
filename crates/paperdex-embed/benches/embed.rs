//! Throughput of [`MiniLmEmbedder`] on title+abstract texts.
//!
//! `cargo bench -p paperdex-embed --bench embed` embeds the first 512 papers of
//! `shared/corpus/conferences/nips2018.json` (beside the repository) that have
//! both a title and an abstract, each as `"<title>. <abstract>"`, and prints
//! texts/s for 3 runs and their median, and texts per CPU-second of the
//! process (less sensitive to other load on the machine). `scripts/peers/embed_throughput.py`
//! does the same with Python sentence-transformers, for comparison.
//!
//! Environment: `PAPERDEX_MODEL` (model directory), `PAPERDEX_CORPUS` (the
//! conferences directory), `PAPERDEX_BENCH_N` (texts, default 512),
//! `PAPERDEX_BENCH_RUNS` (default 3), `PAPERDEX_BENCH_BATCH` (default 32).

use std::path::PathBuf;
use std::time::Instant;

use paperdex_embed::{default_model_dir, Embedder, MiniLmEmbedder};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU time of this process (user + system) in seconds, where /proc has it.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which ends with ')'): utime and stime are 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on Linux
}

fn load_texts(n: usize) -> Vec<String> {
    let dir = std::env::var_os("PAPERDEX_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/conferences")
        });
    let path = dir.join("nips2018.json");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path:?}: {e}"));
    let papers: Vec<serde_json::Value> = serde_json::from_slice(&bytes).expect("corpus JSON");
    let field = |p: &serde_json::Value, k: &str| {
        p.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let texts: Vec<String> = papers
        .iter()
        .filter_map(|p| {
            let (title, abs) = (field(p, "title"), field(p, "abstract"));
            (!title.is_empty() && !abs.is_empty()).then(|| format!("{title}. {abs}"))
        })
        .take(n)
        .collect();
    assert_eq!(texts.len(), n, "{path:?} has too few papers with abstracts");
    texts
}

fn main() {
    // `cargo test --benches` runs bench targets with no `--bench` flag: keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("embed bench: run with `cargo bench -p paperdex-embed --bench embed`");
        return;
    }
    let n = env_usize("PAPERDEX_BENCH_N", 512);
    let runs = env_usize("PAPERDEX_BENCH_RUNS", 3).max(1);
    let batch = env_usize("PAPERDEX_BENCH_BATCH", paperdex_embed::DEFAULT_BATCH_SIZE);
    let texts = load_texts(n);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();

    let t = Instant::now();
    let model = MiniLmEmbedder::load(&default_model_dir())
        .unwrap_or_else(|e| panic!("{e}"))
        .with_batch_size(batch);
    println!(
        "model {} loaded in {:.2} s; {n} texts, batch {batch}",
        model.model_id(),
        t.elapsed().as_secs_f64()
    );
    model.embed(&refs[..n.min(64)]).expect("warm-up");

    let mut rates = Vec::new();
    let mut cpu_rates = Vec::new();
    for run in 1..=runs {
        let (t, c) = (Instant::now(), cpu_seconds());
        let v = model.embed(&refs).expect("embed");
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(v.len(), n);
        rates.push(n as f64 / secs);
        let cpu = c.zip(cpu_seconds()).map(|(a, b)| b - a);
        if let Some(cpu) = cpu {
            cpu_rates.push(n as f64 / cpu);
        }
        let cpu_note = cpu.map_or(String::new(), |c| {
            format!("; cpu {c:.2} s, {:.1} texts/cpu-s", n as f64 / c)
        });
        println!(
            "run {run}: {secs:.3} s, {:.1} texts/s{cpu_note}",
            n as f64 / secs
        );
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    println!(
        "paperdex-embed median: {:.1} texts/s ({:.1} texts per cpu-second)",
        median(&mut rates),
        median(&mut cpu_rates)
    );
}
