use super::*;
use crate::parse_query;
use paperdex_model::AuthorRef;

struct Fixture {
    paper: Paper,
    sources: Vec<String>,
}

fn paper(
    id: i64,
    title: &str,
    authors: &[&str],
    abstract_text: &str,
    venue: &str,
    year: i32,
    sources: &[&str],
) -> Fixture {
    Fixture {
        paper: Paper {
            id,
            title: title.into(),
            authors: authors
                .iter()
                .map(|name| AuthorRef {
                    id: 0,
                    name: name.to_string(),
                })
                .collect(),
            abstract_text: Some(abstract_text.into()),
            venue: Some(venue.into()),
            year: Some(year),
            ..Paper::default()
        },
        sources: sources.iter().map(|s| s.to_string()).collect(),
    }
}

fn fixtures() -> Vec<Fixture> {
    vec![
        paper(
            1,
            "Practical Bayesian Optimization of Machine Learning Algorithms",
            &["Jasper Snoek", "Hugo Larochelle", "Ryan P. Adams"],
            "Machine learning algorithms frequently require careful tuning of model \
             hyperparameters. We model the generalization performance of an algorithm \
             as a sample from a Gaussian process and choose where to evaluate next.",
            "NeurIPS",
            2012,
            &["000_96df_nips2012.json"],
        ),
        paper(
            2,
            "Multi-Task Bayesian Optimization",
            &["Kevin Swersky", "Jasper Snoek", "Ryan P. Adams"],
            "We extend multi-task Gaussian processes to the framework of Bayesian \
             optimization, transferring knowledge gained from previous optimizations.",
            "NeurIPS",
            2013,
            &["nips2013.json", "arxiv_1309.json"],
        ),
        paper(
            3,
            "Freeze-Thaw Bayesian Optimization",
            &["Kevin Swersky", "Jasper Snoek", "Ryan Prescott Adams"],
            "We describe a method for Bayesian optimization that pauses and resumes \
             the training of models, using a new kernel for training curves.",
            "arXiv",
            2014,
            &["arxiv_1406.json"],
        ),
        paper(
            4,
            "Deep Residual Learning for Image Recognition",
            &["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"],
            "Deeper neural networks are more difficult to train. We present a \
             learning framework to ease the training of networks that are much deeper.",
            "CVPR",
            2016,
            &["cvpr2016.json"],
        ),
        paper(
            5,
            "Attention Is All You Need",
            &["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"],
            "The dominant sequence transduction models are based on complex recurrent \
             or convolutional neural networks. We propose the Transformer, with \
             residual connections around attention layers, dispensing with recurrence.",
            "NeurIPS",
            2017,
            &["nips2017.json"],
        ),
        paper(
            6,
            "Semi-Supervised Classification with Graph Convolutional Networks",
            &["Thomas N. Kipf", "Max Welling", "Jane Swersky"],
            "We present convolutional networks that operate directly on graphs. Our \
             model scales linearly in the number of edges, unlike earlier neural approaches.",
            "ICLR",
            2017,
            &["iclr2017.json"],
        ),
    ]
}

fn feed(index: &TextIndex, fixtures: &[Fixture]) {
    let docs: Vec<IndexDoc<'_>> = fixtures
        .iter()
        .map(|f| IndexDoc {
            paper: &f.paper,
            sources: &f.sources,
        })
        .collect();
    index.upsert(&docs).unwrap();
}

fn test_index() -> TextIndex {
    let index = TextIndex::in_memory().unwrap();
    feed(&index, &fixtures());
    index.commit(1).unwrap();
    index
}

/// The ids `query` finds, in rank order.
fn ids(index: &TextIndex, query: &str) -> Vec<i64> {
    let q = parse_query(query).unwrap();
    let hits: Vec<i64> = index
        .search(&q, 100, 0)
        .unwrap()
        .iter()
        .map(|h| h.paper_id)
        .collect();
    assert_eq!(index.count(&q).unwrap(), hits.len(), "count of {query:?}");
    // A cap at the count is exact; one below it stops, and says so.
    let all = hits.len();
    assert_eq!(index.count_up_to(&q, all).unwrap(), MatchCount::exact(all));
    if all > 0 {
        let capped = MatchCount {
            matches: all - 1,
            exact: false,
        };
        assert_eq!(index.count_up_to(&q, all - 1).unwrap(), capped, "{query:?}");
    }
    hits
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids
}

#[test]
fn is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<TextIndex>();
}

#[test]
fn title_word_ranks_its_paper_first() {
    let index = test_index();
    assert_eq!(index.num_docs(), 6);
    assert_eq!(ids(&index, "attention")[0], 5);
    assert_eq!(ids(&index, "freeze")[0], 3);
    assert_eq!(ids(&index, "graph convolutional")[0], 6);
}

#[test]
fn title_and_abstract_matches_are_both_found() {
    let index = test_index();
    // "residual" is in 4's title and in 5's abstract. Titles are not boosted
    // above abstracts (see TITLE_BOOST), so both rank, in either order.
    let mut found = ids(&index, "residual");
    found.sort();
    assert_eq!(found, vec![4, 5]);
}

#[test]
fn words_are_stemmed_and_case_folded() {
    let index = test_index();
    assert_eq!(sorted(ids(&index, "OPTIMIZING")), vec![1, 2, 3]);
    assert_eq!(sorted(ids(&index, "recognitions")), vec![4]);
}

#[test]
fn phrase_needs_adjacent_words() {
    let index = test_index();
    // 6 has both words, but not together.
    assert_eq!(sorted(ids(&index, "neural networks")), vec![4, 5, 6]);
    assert_eq!(sorted(ids(&index, r#""neural networks""#)), vec![4, 5]);
    // A phrase is required; words beside it only rank.
    assert_eq!(ids(&index, r#""neural networks" transformer"#), vec![5, 4]);
}

#[test]
fn any_word_matches_and_more_words_rank_higher() {
    let index = test_index();
    let hits = ids(&index, "bayesian kernel");
    assert_eq!(sorted(hits.clone()), vec![1, 2, 3]);
    assert_eq!(hits[0], 3);
}

#[test]
fn exclusions() {
    let index = test_index();
    assert_eq!(sorted(ids(&index, "bayesian -multi")), vec![1, 3]);
    // 1 has "Gaussian process", 2 "Gaussian processes": both stem alike.
    assert_eq!(ids(&index, r#"bayesian -"gaussian process""#), vec![3]);
    // Exclusions alone: everything else, newest first.
    assert_eq!(ids(&index, "-bayesian"), vec![6, 5, 4]);
}

#[test]
fn author_filter_family_name_and_exact_full_name() {
    let index = test_index();
    assert_eq!(ids(&index, "author:swersky"), vec![6, 3, 2]);
    assert_eq!(ids(&index, r#"author:"kevin swersky""#), vec![3, 2]);
    assert_eq!(ids(&index, r#"author:"KEVIN   Swersky""#), vec![3, 2]);
    // Not a whole name of any author.
    assert!(ids(&index, r#"author:"kevin snoek""#).is_empty());
    // Every author filter must match.
    assert_eq!(ids(&index, "author:swersky author:welling"), vec![6]);
    // Accents folded.
    assert_eq!(ids(&index, "author:wëlling"), vec![6]);
}

#[test]
fn year_filter_single_and_ranges() {
    let index = test_index();
    assert_eq!(ids(&index, "year:2017"), vec![6, 5]);
    assert_eq!(ids(&index, "year:2013..2016"), vec![4, 3, 2]);
    assert_eq!(ids(&index, "year:..2012"), vec![1]);
    assert_eq!(ids(&index, "year:2016.."), vec![6, 5, 4]);
    assert!(ids(&index, "year:1990").is_empty());
}

#[test]
fn venue_filter() {
    let index = test_index();
    assert_eq!(ids(&index, "venue:neurips"), vec![5, 2, 1]);
    assert_eq!(ids(&index, "venue:neurips venue:iclr"), vec![6, 5, 2, 1]);
    assert_eq!(ids(&index, r#"venue:"cvpr""#), vec![4]);
}

#[test]
fn source_filter_is_a_substring_of_a_file_name() {
    let index = test_index();
    assert_eq!(ids(&index, "source:96DF"), vec![1]);
    assert_eq!(ids(&index, "source:arxiv_"), vec![3, 2]);
    assert_eq!(ids(&index, "source:2017.json"), vec![6, 5]);
    // Regex characters are literal.
    assert!(ids(&index, "source:.*").is_empty());
    assert!(ids(&index, "source:nips(").is_empty());
}

#[test]
fn filters_combine_with_words() {
    let index = test_index();
    assert_eq!(sorted(ids(&index, "bayesian author:swersky")), vec![2, 3]);
    assert_eq!(ids(&index, "bayesian year:2012"), vec![1]);
    assert_eq!(ids(&index, "networks venue:neurips"), vec![5]);
    assert_eq!(ids(&index, "optimization source:nips -multi"), vec![1]);
}

#[test]
fn filters_do_not_change_ranking() {
    let index = test_index();
    let plain = index
        .search(&parse_query("bayesian kernel").unwrap(), 10, 0)
        .unwrap();
    let filtered = index
        .search(&parse_query("bayesian kernel author:snoek").unwrap(), 10, 0)
        .unwrap();
    assert_eq!(plain, filtered);
}

#[test]
fn unsearchable_words_match_nothing_and_blank_lists_all() {
    let index = test_index();
    let q = ParsedQuery {
        terms: vec!["¿¿".into()],
        ..ParsedQuery::default()
    };
    assert!(index.search(&q, 10, 0).unwrap().is_empty());
    assert_eq!(index.count(&q).unwrap(), 0);
    assert_eq!(ids(&index, ""), vec![6, 5, 4, 3, 2, 1]);
}

#[test]
fn pagination() {
    let index = test_index();
    let q = parse_query("bayesian optimization").unwrap();
    let all = index.search(&q, 10, 0).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(index.search(&q, 2, 1).unwrap(), all[1..3]);
    assert!(index.search(&q, 10, 3).unwrap().is_empty());
    assert!(index.search(&q, 0, 0).unwrap().is_empty());
    assert_eq!(index.search(&q, usize::MAX, 0).unwrap(), all);
    assert!(index.search(&q, 10, usize::MAX).unwrap().is_empty());
    let browse = parse_query("year:2012..").unwrap();
    let ids: Vec<_> = index
        .search(&browse, 2, 2)
        .unwrap()
        .iter()
        .map(|h| h.paper_id)
        .collect();
    assert_eq!(ids, vec![4, 3]);
}

#[test]
fn filter_ids() {
    let index = test_index();
    assert_eq!(index.filter_ids(&Filters::default()).unwrap(), None);
    let f = parse_query("author:swersky year:..2016 ignored words")
        .unwrap()
        .filters;
    assert_eq!(index.filter_ids(&f).unwrap(), Some(vec![2, 3]));
    let f = parse_query("venue:nowhere").unwrap().filters;
    assert_eq!(index.filter_ids(&f).unwrap(), Some(vec![]));
}

#[test]
fn upsert_replaces_a_paper_with_the_same_id() {
    let index = test_index();
    let mut changed = fixtures().remove(3);
    changed.paper.title = "Something Entirely Different".into();
    feed(&index, std::slice::from_ref(&changed));
    // Not visible before the commit.
    assert!(ids(&index, "residual").contains(&4));
    assert!(ids(&index, "entirely").is_empty());
    index.commit(2).unwrap();
    assert_eq!(index.num_docs(), 6);
    assert_eq!(ids(&index, "entirely"), vec![4]);
    assert_eq!(ids(&index, "residual"), vec![5]);
    // The same id twice in one batch: the last one wins.
    let mut first = fixtures().remove(0);
    first.paper.title = "Version one".into();
    let mut second = first.paper.clone();
    second.title = "Version two".into();
    let sources = Vec::new();
    index
        .upsert(&[
            IndexDoc {
                paper: &first.paper,
                sources: &sources,
            },
            IndexDoc {
                paper: &second,
                sources: &sources,
            },
        ])
        .unwrap();
    index.commit(3).unwrap();
    assert_eq!(index.num_docs(), 6);
    assert_eq!(ids(&index, "version"), vec![1]);
    assert_eq!(ids(&index, "two"), vec![1]);
    assert!(ids(&index, "one").is_empty());
}

#[test]
fn clear_takes_effect_at_commit() {
    let index = test_index();
    index.clear().unwrap();
    assert_eq!(index.num_docs(), 6);
    feed(&index, &fixtures()[..2]);
    index.commit(9).unwrap();
    assert_eq!(index.num_docs(), 2);
    assert_eq!(index.applied_batch(), 9);
}

#[test]
fn commit_payload_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text");
    {
        let index = TextIndex::open_or_create(&path).unwrap();
        assert!(!index.needs_rebuild());
        assert_eq!(index.applied_batch(), 0);
        feed(&index, &fixtures());
        index.commit(41).unwrap();
        index.commit(42).unwrap();
        assert_eq!(index.applied_batch(), 42);
    }
    let index = TextIndex::open_or_create(&path).unwrap();
    assert!(!index.needs_rebuild());
    assert_eq!(index.applied_batch(), 42);
    assert_eq!(index.num_docs(), 6);
    assert_eq!(ids(&index, "attention"), vec![5]);
    // Writable again after reopening (the writer lock was released).
    feed(&index, &fixtures()[..1]);
    index.commit(43).unwrap();
    index.wait_for_merges().unwrap();
    assert_eq!(index.num_docs(), 6);
}

#[test]
fn a_fresh_index_left_uncommitted_reopens() {
    let dir = tempfile::tempdir().unwrap();
    drop(TextIndex::open_or_create(dir.path()).unwrap());
    let index = TextIndex::open_or_create(dir.path()).unwrap();
    assert!(!index.needs_rebuild());
    assert_eq!(index.num_docs(), 0);
}

#[test]
fn damaged_index_is_recreated() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = TextIndex::open_or_create(dir.path()).unwrap();
        feed(&index, &fixtures());
        index.commit(7).unwrap();
    }
    fs::write(dir.path().join("meta.json"), b"{ this is not json").unwrap();
    fs::create_dir(dir.path().join("keep")).unwrap();
    let index = TextIndex::open_or_create(dir.path()).unwrap();
    assert!(index.needs_rebuild());
    assert_eq!(index.num_docs(), 0);
    assert_eq!(index.applied_batch(), 0);
    assert!(dir.path().join("keep").is_dir());
    feed(&index, &fixtures());
    index.commit(8).unwrap();
    drop(index);
    let index = TextIndex::open_or_create(dir.path()).unwrap();
    assert!(!index.needs_rebuild());
    assert_eq!((index.num_docs(), index.applied_batch()), (6, 8));
}

#[test]
fn index_of_another_schema_version_is_recreated() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = TextIndex::open_or_create(dir.path()).unwrap();
        feed(&index, &fixtures());
        index.commit(7).unwrap();
    }
    let meta = dir.path().join("meta.json");
    let text = fs::read_to_string(&meta).unwrap();
    let current = format!("schema_version\\\":{SCHEMA_VERSION},");
    assert!(text.contains(&current), "{text}");
    fs::write(&meta, text.replace(&current, "schema_version\\\":0,")).unwrap();
    let index = TextIndex::open_or_create(dir.path()).unwrap();
    assert!(index.needs_rebuild());
    assert_eq!(index.num_docs(), 0);
}

#[test]
fn snippet_highlights_matched_terms() {
    let index = test_index();
    let q = parse_query("gaussian processes").unwrap();
    let snippet = index.snippet(&q, 1, 200).unwrap().unwrap();
    assert!(!snippet.highlights.is_empty());
    let marked: Vec<&str> = snippet
        .highlights
        .iter()
        .map(|&(start, end)| &snippet.text[start..end])
        .collect();
    assert_eq!(marked, vec!["Gaussian", "process"]);
    assert!(snippet.text.len() <= 200);

    // Stemmed phrase words are highlighted too.
    let q = parse_query(r#""neural networks""#).unwrap();
    let snippet = index.snippet(&q, 5, 150).unwrap().unwrap();
    let marked: Vec<&str> = snippet
        .highlights
        .iter()
        .map(|&(start, end)| &snippet.text[start..end])
        .collect();
    assert_eq!(marked, vec!["neural", "networks"]);
}

#[test]
fn snippet_without_a_match_is_the_abstract_start() {
    let index = test_index();
    let q = parse_query("attention").unwrap();
    let snippet = index.snippet(&q, 1, 40).unwrap().unwrap();
    assert!(snippet.highlights.is_empty());
    assert_eq!(snippet.text, "Machine learning algorithms frequently");
    // No such paper, or no abstract.
    assert_eq!(index.snippet(&q, 99, 40).unwrap(), None);
    let bare = Paper {
        id: 50,
        title: "No abstract".into(),
        ..Paper::default()
    };
    index
        .upsert(&[IndexDoc {
            paper: &bare,
            sources: &[],
        }])
        .unwrap();
    index.commit(2).unwrap();
    assert_eq!(index.snippet(&q, 50, 40).unwrap(), None);
    // A paper without a year still sorts (last) when browsing.
    assert_eq!(ids(&index, "").last(), Some(&50));
}

#[test]
fn helpers() {
    assert_eq!(escape_regex("a.b*c(d)"), r"a\.b\*c\(d\)");
    assert_eq!(
        merge_ranges([(5, 7), (0, 2), (1, 3), (7, 7)].into_iter()),
        vec![(0, 3), (5, 7)]
    );
    assert_eq!(leading_text("  héllo wörld  ", 8), "héllo");
    assert_eq!(leading_text("abcdefgh", 3), "abc");
    assert_eq!(leading_text("short", 30), "short");
}

/// Damages every segment file with `damage`, then checks that inspection
/// reports the index unusable and opening discards it for a rebuild.
fn assert_segment_damage_is_found(damage: impl Fn(&Path)) {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = TextIndex::open_or_create(dir.path()).unwrap();
        feed(&index, &fixtures());
        index.commit(7).unwrap();
        index.wait_for_merges().unwrap();
    }
    let mut damaged = 0;
    for entry in fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ["idx", "store", "term", "pos"].contains(&ext) {
            damage(&path);
            damaged += 1;
        }
    }
    assert!(damaged > 0, "no segment files found");
    match TextIndex::inspect(dir.path()) {
        IndexState::Unusable(reason) => assert!(!reason.is_empty()),
        other => panic!("damage not found: {other:?}"),
    }
    let index = TextIndex::open_or_create(dir.path()).unwrap();
    assert!(index.needs_rebuild());
    assert_eq!(index.num_docs(), 0);
}

#[test]
fn flipped_bytes_inside_a_segment_file_are_found_on_open() {
    assert_segment_damage_is_found(|path| {
        let mut bytes = fs::read(path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        fs::write(path, bytes).unwrap();
    });
}

#[test]
fn a_truncated_segment_file_is_found_on_open() {
    assert_segment_damage_is_found(|path| {
        let bytes = fs::read(path).unwrap();
        fs::write(path, &bytes[..bytes.len() / 3]).unwrap();
    });
}

#[test]
fn inspection_reads_ids_and_abstracts_without_changing_anything() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        TextIndex::inspect(dir.path()),
        IndexState::Missing
    ));
    {
        let index = TextIndex::open_or_create(dir.path()).unwrap();
        feed(&index, &fixtures());
        index.commit(7).unwrap();
    }
    let IndexState::Usable(index) = TextIndex::inspect(dir.path()) else {
        panic!("a sound index is not usable");
    };
    let mut ids = index.indexed_ids().unwrap();
    ids.sort_unstable();
    assert_eq!(ids, vec![1, 2, 3, 4, 5, 6]);
    let text = index.indexed_abstract(1).unwrap().unwrap().unwrap();
    assert!(text.starts_with("Machine learning algorithms"), "{text}");
    assert_eq!(index.indexed_abstract(99).unwrap(), None);
    assert_eq!(index.applied_batch(), 7);
}
