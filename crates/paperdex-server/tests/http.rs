//! The JSON API and the pages over real HTTP, against a served library of
//! the bundled corpus: what clients get, including for bad and hostile input.

mod util;

use reqwest::{Client, StatusCode};
use serde_json::Value;
use util::{served, HOSTILE_TITLE, MAX_BODY, TOKEN};

fn lib() -> &'static util::Served {
    served("http")
}

async fn get(path: &str) -> (StatusCode, String, String) {
    let response = Client::new()
        .get(format!("{}{path}", lib().base))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

async fn get_json(path: &str) -> Value {
    let (status, kind, body) = get(path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    assert_eq!(kind, "application/json", "{path}");
    serde_json::from_str(&body).unwrap()
}

/// Asserts a JSON error with `status`, naming `parameter` when given.
async fn expect_error(path: &str, status: u16, parameter: Option<&str>) -> String {
    let (got, kind, body) = get(path).await;
    assert_eq!(got.as_u16(), status, "{path}: {body}");
    assert_eq!(kind, "application/json", "{path}: {body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["status"], status, "{path}: {body}");
    let message = v["error"]["message"].as_str().unwrap().to_string();
    assert!(!message.is_empty());
    assert_eq!(
        v["error"]["parameter"].as_str(),
        parameter,
        "{path}: {body}"
    );
    message
}

fn ids(v: &Value) -> Vec<i64> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn stats_count_the_library() {
    let v = get_json("/api/stats").await;
    // Other tests add papers meanwhile, and the indexes follow a moment later.
    let papers = v["papers"].as_u64().unwrap();
    assert!(papers > 100);
    assert!(
        (papers - 3..=papers).contains(&v["indexed_papers"].as_u64().unwrap()),
        "{v}"
    );
    assert!(
        (papers - 3..=papers).contains(&v["embedded_papers"].as_u64().unwrap()),
        "{v}"
    );
    assert_eq!(v["semantic_search"], true);
    assert_eq!(v["writes_enabled"], true);
}

#[tokio::test]
async fn search_in_every_mode_returns_whole_hits() {
    for mode in ["lexical", "semantic", "hybrid"] {
        let v = get_json(&format!(
            "/api/search?q=imitation+learning+cache+replacement&mode={mode}&k=5"
        ))
        .await;
        assert_eq!(v["mode"], mode);
        assert_eq!(v["k"], 5);
        let hits = v["hits"].as_array().unwrap();
        assert_eq!(hits.len(), 5, "{mode}");
        assert_eq!(
            hits[0]["title"], "An Imitation Learning Approach for Cache Replacement",
            "{mode}: {v}"
        );
        for h in hits {
            for field in [
                "id", "title", "authors", "year", "venue", "arxiv_id", "doi", "tldr", "abstract",
                "score",
            ] {
                assert!(h.get(field).is_some(), "{mode}: hit lacks {field}: {h}");
            }
            for a in h["authors"].as_array().unwrap() {
                assert!(a["id"].as_i64().unwrap() > 0, "{a}");
            }
        }
    }
}

#[tokio::test]
async fn filters_restrict_every_hit() {
    let v = get_json("/api/search?q=learning&mode=lexical&author=Swersky&k=50").await;
    assert!(!ids(&v).is_empty());
    for h in v["hits"].as_array().unwrap() {
        let names: Vec<&str> = h["authors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert!(names.iter().any(|n| n.contains("Swersky")), "{names:?}");
    }
    let v = get_json("/api/search?q=learning&mode=hybrid&year=2019..2020&k=50").await;
    assert!(!ids(&v).is_empty());
    for h in v["hits"].as_array().unwrap() {
        let year = h["year"].as_i64().unwrap();
        assert!((2019..=2020).contains(&year), "{year}");
    }
    // Filters alone browse the library, newest first.
    let v = get_json("/api/search?year=2021").await;
    assert!(!ids(&v).is_empty());
    assert!(v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["year"] == 2021));
}

#[tokio::test]
async fn offset_pages_through_the_same_ranking() {
    let all = get_json("/api/search?q=neural+networks&mode=lexical&k=10").await;
    let second = get_json("/api/search?q=neural+networks&mode=lexical&k=5&offset=5").await;
    assert_eq!(ids(&all)[5..], ids(&second)[..]);
    assert_eq!(all["total"], second["total"]);
}

#[tokio::test]
async fn bad_search_parameters_say_which_and_why() {
    let cases: &[(&str, &str, &str)] = &[
        ("/api/search?q=x&k=0", "k", "out of range"),
        ("/api/search?q=x&k=abc", "k", "not a whole number"),
        (
            "/api/search?q=x&k=100000000000000000000000",
            "k",
            "not a whole number",
        ),
        ("/api/search?q=x&offset=-1", "offset", "not a whole number"),
        ("/api/search?q=x&offset=999999", "offset", "out of range"),
        ("/api/search?q=x&mode=fuzzy", "mode", "unknown mode"),
        ("/api/search?q=x&year=abc", "year", "not a year"),
        (
            "/api/search?q=x&year=2020..2019",
            "year",
            "2020 is after 2019",
        ),
        ("/api/search?q=x&author=", "author", "empty"),
        ("/api/search?q=x&colour=red", "colour", "not a parameter"),
        ("/api/search?q=a&q=b", "q", "more than once"),
        ("/api/search", "q", "empty"),
        ("/api/search?q=year%3Aabc", "q", "year 'abc'"),
        ("/api/search?q=author%3A", "q", "has no value"),
    ];
    for (path, parameter, why) in cases {
        let message = expect_error(path, 400, Some(parameter)).await;
        assert!(message.contains(why), "{path}: {message}");
    }
    let long = format!("/api/search?q={}", "a".repeat(1001));
    let message = expect_error(&long, 400, Some("q")).await;
    assert!(message.contains("limit is 1000"), "{message}");
}

#[tokio::test]
async fn hostile_queries_are_answered_not_crashed_on() {
    for q in [
        "%22%22%22",
        "-",
        "-%22%22",
        "%E2%80%AE%00",
        "author%3A%22",
        "%5B%5D%7B%7D*%3F.%5C",
        "year%3A..",
        "a%20OR%201%3D1%3B%20DROP%20TABLE%20papers",
        "source%3A.*.*.*.*.*.*.*.*.*.*.*.*.*",
    ] {
        let (status, kind, body) = get(&format!("/api/search?q={q}&mode=hybrid")).await;
        assert!(
            status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
            "{q}: {status} {body}"
        );
        assert_eq!(kind, "application/json", "{q}");
    }
    // The library is intact.
    assert!(get_json("/api/stats").await["papers"].as_u64().unwrap() > 100);
}

#[tokio::test]
async fn a_paper_by_id_arxiv_id_or_doi_with_sources_and_merges() {
    let by_arxiv = get_json("/api/papers/2006.10029v1").await;
    let id = by_arxiv["id"].as_i64().unwrap();
    assert_eq!(
        by_arxiv["title"],
        "Big Self-Supervised Models are Strong Semi-Supervised Learners"
    );
    assert_eq!(by_arxiv["arxiv_id"]["id"], "2006.10029");
    // Read from the Atom feed and the BibTeX sample: two sources, merged by arXiv id.
    let sources = by_arxiv["sources"].as_array().unwrap();
    assert!(sources.len() >= 2, "{sources:?}");
    for s in sources {
        assert!(s["file"].as_str().unwrap().len() > 3);
        assert!(s["line"].as_u64().unwrap() >= 1);
        assert!(!s["raw"].as_str().unwrap().is_empty());
    }
    let merges = by_arxiv["merges"].as_array().unwrap();
    assert!(merges.iter().any(|m| m["rule"] == "arxiv-id"), "{merges:?}");
    assert!(by_arxiv["field_sources"]["title"].as_array().is_some());
    let by_id = get_json(&format!("/api/papers/{id}")).await;
    assert_eq!(by_id, by_arxiv);

    // DOIs hold slashes, encoded or not.
    let by_doi = get_json("/api/papers/10.1137/16M1080173").await;
    assert_eq!(
        by_doi["title"],
        "Optimization Methods for Large-Scale Machine Learning"
    );
    assert_eq!(
        get_json("/api/papers/10.1137%2F16M1080173").await["id"],
        by_doi["id"]
    );

    let message = expect_error("/api/papers/99999999", 404, None).await;
    assert!(message.contains("99999999"));
    expect_error("/api/papers/not-a-paper", 404, None).await;
    expect_error("/api/papers/1?x=1", 400, Some("query string")).await;
}

#[tokio::test]
async fn similar_papers_exclude_the_paper_itself() {
    let v = get_json("/api/papers/2006.10029/similar?k=4").await;
    let paper = v["paper_id"].as_i64().unwrap();
    let hits = ids(&v);
    assert_eq!(hits.len(), 4);
    assert!(!hits.contains(&paper));
    expect_error("/api/papers/2006.10029/similar?k=0", 400, Some("k")).await;
    expect_error("/api/papers/2006.10029/similar?n=3", 400, Some("n")).await;
    expect_error("/api/papers/0000.00000/similar", 404, None).await;
}

#[tokio::test]
async fn bibtex_is_an_entry_of_the_paper() {
    let (status, kind, body) = get("/api/papers/10.1137/16M1080173/bibtex").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/x-bibtex; charset=utf-8");
    assert!(body.starts_with("@article{"), "{body}");
    assert!(
        body.contains("title = {{Optimization Methods for Large-Scale Machine Learning}}"),
        "{body}"
    );
    assert!(body.contains("doi = {10.1137/16m1080173}"), "{body}");
    // The entry, citation key included, is the one `paperdex export` writes.
    let engine = &lib().engine;
    let id = engine
        .store()
        .resolve_paper("10.1137/16M1080173")
        .unwrap()
        .unwrap();
    let paper = engine.store().paper(id).unwrap().unwrap();
    let keys = paperdex_export::library_keys(engine).unwrap();
    let mut exported = Vec::new();
    paperdex_export::write_papers(
        paperdex_export::ExportFormat::Bibtex,
        &[paper],
        &keys,
        &mut exported,
    )
    .unwrap();
    assert_eq!(body, String::from_utf8(exported).unwrap());
    expect_error("/api/papers/123456789/bibtex", 404, None).await;
}

#[tokio::test]
async fn authors_by_id_or_name_with_ranked_collaborators() {
    let v = get_json("/api/authors/Kevin%20Swersky").await;
    assert_eq!(v["name"], "Kevin Swersky");
    let papers = v["papers"].as_array().unwrap();
    assert!(papers.len() >= 2);
    let collaborators = v["collaborators"].as_array().unwrap();
    assert!(!collaborators.is_empty());
    let shared: Vec<u64> = collaborators
        .iter()
        .map(|c| c["shared_papers"].as_u64().unwrap())
        .collect();
    assert!(shared.windows(2).all(|w| w[0] >= w[1]), "{shared:?}");
    let by_id = get_json(&format!("/api/authors/{}", v["id"])).await;
    assert_eq!(by_id, v);
    expect_error("/api/authors/99999999", 404, None).await;
    expect_error("/api/authors/Zzyzx%20Qqqq", 404, None).await;
}

#[tokio::test]
async fn ingest_needs_the_token_and_respects_the_limit() {
    let client = Client::new();
    let url = format!("{}/api/ingest?name=upload.bib", lib().base);
    let body = "@article{ocelot2022,\n  title = {Ocelot gait analysis with pressure plates},\n  author = {Ng, Ada},\n  year = {2022}\n}\n";
    let r = client.post(&url).body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get("www-authenticate").is_some());
    let r = client
        .post(&url)
        .bearer_auth("wrong")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // A server without a token refuses every write.
    let r = client
        .post(format!(
            "{}/api/ingest?name=upload.bib",
            lib().base_read_only
        ))
        .bearer_auth(TOKEN)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let v: Value = r.json().await.unwrap();
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("writes are disabled"));
    // Bad requests.
    let r = client
        .post(format!("{}/api/ingest", lib().base))
        .bearer_auth(TOKEN)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["parameter"],
        "name"
    );
    let r = client
        .post(&url)
        .bearer_auth(TOKEN)
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = client
        .post(&url)
        .bearer_auth(TOKEN)
        .body(vec![b'x'; MAX_BODY + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.headers()["content-type"], "application/json");
    // The real thing. A new connection: the server may close the one it
    // refused an unread body on, and a pooled reuse would race that close.
    let r = Client::new()
        .post(&url)
        .bearer_auth(TOKEN)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["new_papers"], 1, "{v}");
    assert_eq!(v["format"], "bibtex");
    let found = get_json("/api/search?q=ocelot+gait&mode=hybrid").await;
    assert_eq!(
        found["hits"][0]["title"],
        "Ocelot gait analysis with pressure plates"
    );
}

#[tokio::test]
async fn batches_written_by_another_process_are_picked_up() {
    // A second engine over the same directory stands in for `paperdex ingest`.
    let other = paperdex_search::Engine::open(
        &lib().data_dir,
        std::sync::Arc::new(
            paperdex_store::SqliteStore::open(&lib().data_dir.join("library.sqlite")).unwrap(),
        ),
        paperdex_search::EngineOptions {
            model_dir: Some(util::model_dir()),
            ..Default::default()
        },
    )
    .unwrap();
    let bib = "@article{pangolin2023,\n  title = {Pangolin scale keratin under load},\n  author = {Okafor, Chidi},\n  year = {2023}\n}\n";
    tokio::task::spawn_blocking(move || {
        other
            .ingest_bytes("other-process.bib", bib.as_bytes(), true)
            .unwrap()
    })
    .await
    .unwrap();
    // Each index catches up on its own: vectors when the store's embeddings
    // change, words when this engine can take the index writer (another
    // writer, such as the server's own ingest of another test, may hold it
    // for a refresh). So each is polled until it has the paper.
    let title = "Pangolin scale keratin under load";
    for mode in ["semantic", "lexical"] {
        let mut found = Value::Null;
        for _ in 0..100 {
            found = get_json(&format!("/api/search?q=pangolin+keratin&mode={mode}&k=1")).await;
            if found["hits"][0]["title"] == title {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(found["hits"][0]["title"], title, "{mode}: {found}");
    }
}

#[tokio::test]
async fn hostile_text_is_escaped_in_html_and_json() {
    // JSON: the same string once parsed, but no raw '<' on the wire.
    let (status, kind, body) = get("/api/search?q=quasar+lensing&mode=lexical").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/json");
    assert!(!body.contains("<script>") && !body.contains('<'), "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["hits"][0]["title"], HOSTILE_TITLE);
    let id = v["hits"][0]["id"].as_i64().unwrap();
    // HTML: results, paper and author pages print it as text.
    for path in [
        "/search?q=quasar+lensing".to_string(),
        format!("/papers/{id}"),
        format!("/authors/{}", v["hits"][0]["authors"][0]["id"]),
    ] {
        let (status, kind, html) = get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(kind, "text/html; charset=utf-8");
        assert!(
            !html.contains("<script>alert(1)"),
            "{path} has the raw script"
        );
        assert!(!html.contains("<b>bold"), "{path}");
        assert!(!html.contains("<i>Tests"), "{path}");
        let escaped = html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
            || html.contains("&#60;script&#62;alert(1)&#60;/script&#62;");
        assert!(escaped, "{path}: the title is not shown escaped");
    }
    // A hostile query is echoed escaped too.
    let (_, _, html) = get("/search?q=%3Cscript%3Ealert(2)%3C%2Fscript%3E").await;
    assert!(!html.contains("<script>alert(2)"));
    let (_, _, html) = get("/search?q=x&mode=%3Cscript%3E").await;
    assert!(!html.contains("<script>"), "{html}");
}

#[tokio::test]
async fn errors_outside_handlers_are_json_too() {
    expect_error("/api/nothing-here", 404, None).await;
    let r = Client::new()
        .post(format!("{}/api/search?q=x", lib().base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["status"], 405);
    let (status, kind, _) = get("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(kind, "text/html; charset=utf-8");
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let doc = get_json("/api/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/search",
        "/api/papers/{id}",
        "/api/papers/{id}/similar",
        "/api/papers/{id}/bibtex",
        "/api/authors/{id}",
        "/api/stats",
        "/api/ingest",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    let params: Vec<&str> = doc["paths"]["/api/search"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        params,
        ["q", "mode", "k", "offset", "author", "year", "venue"]
    );
    assert!(doc["components"]["schemas"]["SearchResponse"].is_object());
    let (status, _, page) = get("/api/docs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("/api/papers/{id}/similar"));
    assert!(page.contains("Search the library."));
}

#[tokio::test]
async fn pages_render_what_a_reader_needs() {
    let (status, _, home) = get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("Recent papers") && home.contains("id=\"trending\""));
    assert!(home.contains("papers") && home.contains("/assets/style.css"));
    let (_, _, results) = get("/search?q=cache+replacement&mode=lexical").await;
    assert!(results.contains("<mark>"), "no highlighted snippet");
    assert!(results.contains("An Imitation Learning Approach for Cache Replacement"));
    assert!(results.contains(">Year</h2>") && results.contains(">Author</h2>"));
    let (_, _, paper) = get("/papers/2006.16239").await;
    assert!(paper.contains("Sources and why they were merged"));
    assert!(paper.contains("https://arxiv.org/abs/2006.16239"));
    assert!(
        paper.contains("@inproceedings{"),
        "an ICML paper is cited as proceedings"
    );
    assert!(paper.contains("href=\"/authors/"));
    let (status, _, page) = get("/search?q=x&k=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("invalid parameter &#x27;k&#x27;")
            || page.contains("invalid parameter &#39;k&#39;"),
        "{page}"
    );
    let (_, css, _) = get("/assets/style.css").await;
    assert_eq!(css, "text/css; charset=utf-8");
}

#[tokio::test]
async fn export_gives_the_selection_in_each_citation_format() {
    // A query selects its lexical matches, every one of them.
    let search = get_json("/api/search?q=cache+replacement&mode=lexical&k=100").await;
    let matches = search["total"].as_u64().unwrap();
    assert!(matches > 0, "{search}");
    let (status, kind, ris) = get("/api/export?format=ris&q=cache+replacement").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/x-research-info-systems");
    assert_eq!(ris.matches("\nER  -").count() as u64, matches, "{ris}");
    assert!(ris.contains("An Imitation Learning Approach for Cache Replacement"));

    // BibTeX by default, with the key the paper's own entry has.
    let (_, kind, bib) = get("/api/export?q=cache+replacement").await;
    assert_eq!(kind, "application/x-bibtex; charset=utf-8");
    let (_, _, own) = get("/api/papers/2006.16239/bibtex").await;
    assert!(bib.contains(own.trim()), "{own}\n--- not in ---\n{bib}");

    // Nothing selected: the whole library.
    let (_, kind, csl) = get("/api/export?format=csl-json").await;
    assert_eq!(kind, "application/vnd.citationstyles.csl+json");
    let items: Vec<Value> = serde_json::from_str(&csl).unwrap();
    let stats = get_json("/api/stats").await;
    assert_eq!(items.len() as u64, stats["papers"].as_u64().unwrap());

    // Filters select too; bad parameters are named.
    let (_, _, swersky) = get("/api/export?format=ris&author=Swersky&year=2019..2020").await;
    assert!(swersky.contains("Swersky"), "{swersky}");
    expect_error("/api/export?format=jsonl", 400, Some("format")).await;
    expect_error("/api/export?format=docx", 400, Some("format")).await;
    expect_error("/api/export?mode=lexical", 400, Some("mode")).await;
    expect_error("/api/export?year=20x9", 400, Some("year")).await;
    expect_error("/api/export?q=year%3Asoon", 400, Some("q")).await;
}
