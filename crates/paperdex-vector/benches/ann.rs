//! The vector index on clustered synthetic embeddings (384 components, like
//! all-MiniLM-L6-v2): build time, memory, exact and approximate search
//! latency, and the recall of the approximate search.
//!
//! `cargo bench -p paperdex-vector` runs 100k and 1M vectors (about 4 GB of
//! memory at the peak and a few minutes); `PAPERDEX_BENCH_N=20000,100000`
//! picks other sizes. Plain `main`, no harness: every number is a
//! distribution over the same 200 queries, printed as a table, as wall-clock
//! time and as the thread's CPU time (which leaves out time spent
//! descheduled when other work shares the machine).

use std::time::{Duration, Instant};

use paperdex_vector::synthetic::ClusteredVectors;
use paperdex_vector::{ApproxParams, VectorIndex};

const DIM: usize = 384;
const QUERIES: usize = 200;
const K: usize = 10;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not run this
    // with it, and then only a smoke run is wanted.
    let bench = std::env::args().any(|a| a == "--bench");
    let sizes: Vec<usize> = match std::env::var("PAPERDEX_BENCH_N") {
        Ok(s) => s
            .split(',')
            .map(|n| n.trim().parse().expect("PAPERDEX_BENCH_N: numbers"))
            .collect(),
        Err(_) if bench => vec![100_000, 1_000_000],
        Err(_) => vec![2_000],
    };
    for n in sizes {
        run(n);
    }
}

fn run(n: usize) {
    println!("\n== {n} vectors of {DIM} components, {QUERIES} queries, k = {K}");
    let mut data = ClusteredVectors::new(DIM, 42);
    let queries = data.take(QUERIES);

    let mut index = VectorIndex::new(DIM);
    index.reserve(n);
    let mut build = Duration::ZERO;
    let mut done = 0;
    while done < n {
        let batch = data.take((n - done).min(10_000));
        let t = Instant::now();
        for (i, v) in batch.iter().enumerate() {
            index.upsert((done + i) as i64, v).expect("dim 384");
        }
        build += t.elapsed();
        done += batch.len();
    }
    println!(
        "build      {:>8.2} s  ({:.2} µs/vector)   memory {:.0} bytes/vector",
        build.as_secs_f64(),
        build.as_secs_f64() * 1e6 / n as f64,
        index.memory_bytes() as f64 / n as f64
    );

    let exact: Vec<Vec<(i64, f32)>> = queries
        .iter()
        .map(|q| index.search_exact(q, K, None))
        .collect();
    let (t_exact, _) = time(&queries, |q| index.search_exact(q, K, None));
    report("exact", &t_exact, None);

    let (t_approx, approx) = time(&queries, |q| index.search_approx(q, K, None));
    report("approx", &t_approx, Some(recall(&exact, &approx)));
    let (t_search, _) = time(&queries, |q| index.search(q, K, None));
    report("search", &t_search, None);

    // A filter letting one paper in ten through (e.g. a year range).
    let allowed = |id: i64| id % 10 == 3;
    let (t_filtered, filtered) = time(&queries, |q| index.search_approx(q, K, Some(&allowed)));
    let filtered_truth: Vec<_> = queries
        .iter()
        .map(|q| index.search_exact(q, K, Some(&allowed)))
        .collect();
    report(
        "approx 10%",
        &t_filtered,
        Some(recall(&filtered_truth, &filtered)),
    );

    let d = ApproxParams::for_len(n, K);
    println!(
        "above: defaults, shortlist {} rerank {}; other parameters (shortlist/rerank):",
        d.shortlist, d.rerank
    );
    for rerank in [100, 200, 400, 800, 1600, 3200] {
        for shortlist in [rerank, 4 * rerank] {
            let params = ApproxParams { shortlist, rerank };
            let (t, got) = time(&queries, |q| index.search_approx_with(q, K, None, params));
            report(
                &format!("  {shortlist}/{rerank}"),
                &t,
                Some(recall(&exact, &got)),
            );
        }
    }

    let t = Instant::now();
    let bytes = index.to_bytes();
    let t_enc = t.elapsed();
    let t = Instant::now();
    let back = VectorIndex::from_bytes(&bytes).expect("round trip");
    let t_dec = t.elapsed();
    assert_eq!(back.len(), n);
    println!(
        "to_bytes {:.2} s, from_bytes {:.2} s, {:.0} MB",
        t_enc.as_secs_f64(),
        t_dec.as_secs_f64(),
        bytes.len() as f64 / 1e6
    );
}

/// One query's wall-clock and thread CPU time.
#[derive(Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Duration,
}

/// Runs `f` once per query (after one untimed warm-up query).
fn time<T>(queries: &[Vec<f32>], mut f: impl FnMut(&[f32]) -> T) -> (Vec<Sample>, Vec<T>) {
    f(&queries[0]);
    let mut times = Vec::with_capacity(queries.len());
    let mut out = Vec::with_capacity(queries.len());
    for q in queries {
        let (t, c) = (Instant::now(), thread_cpu());
        let r = f(q);
        times.push(Sample {
            wall: t.elapsed(),
            cpu: thread_cpu().saturating_sub(c),
        });
        out.push(r);
    }
    (times, out)
}

/// CPU time of this thread so far (zero where unsupported).
fn thread_cpu() -> Duration {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
        }
    }
    Duration::ZERO
}

fn recall(truth: &[Vec<(i64, f32)>], got: &[Vec<(i64, f32)>]) -> f64 {
    let (mut hit, mut all) = (0, 0);
    for (t, g) in truth.iter().zip(got) {
        all += t.len();
        hit += t
            .iter()
            .filter(|(id, _)| g.iter().any(|(x, _)| x == id))
            .count();
    }
    hit as f64 / all.max(1) as f64
}

fn report(name: &str, times: &[Sample], recall: Option<f64>) {
    let ms = |f: fn(&Sample) -> Duration| {
        let mut v: Vec<f64> = times.iter().map(|t| f(t).as_secs_f64() * 1e3).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let (wall, cpu) = (ms(|t| t.wall), ms(|t| t.cpu));
    let pct = |v: &[f64], p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    let recall = recall.map_or(String::new(), |r| format!("   recall@{K} {r:.4}"));
    println!(
        "{name:<12} wall p50 {:>8.3} p99 {:>8.3} ms   cpu p50 {:>8.3} p99 {:>8.3} ms{recall}",
        pct(&wall, 0.5),
        pct(&wall, 0.99),
        pct(&cpu, 0.5),
        pct(&cpu, 0.99),
    );
}
