//! End-to-end in headless Chromium (through chromedriver and fantoccini):
//! what a person sees going home → search → paper → author. Screenshots go
//! to `<repo>/artifacts/screenshots/`.
//!
//! Needs the Debian packages `chromium` and `chromium-driver`
//! (`scripts/setup.sh` installs them); without them these tests fail.

mod util;

use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// chromedriver, killed when the test ends.
struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(cmd))
            .find(|p| p.is_file())
    })
}

fn start_driver() -> Driver {
    let chromedriver = find("chromedriver").unwrap_or_else(|| {
        panic!("chromedriver not found on PATH: run scripts/setup.sh (it installs the Debian packages chromium and chromium-driver)")
    });
    assert!(
        find("chromium").is_some(),
        "chromium not found on PATH: run scripts/setup.sh"
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start chromedriver");
    let driver = Driver {
        child,
        port,
        _profile: tempfile::tempdir().unwrap(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    driver
}

async fn browser(driver: &Driver, javascript: bool) -> Client {
    let profile = driver
        ._profile
        .path()
        .join(if javascript { "js" } else { "nojs" });
    let mut options = serde_json::json!({
        "binary": find("chromium").unwrap(),
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=1280,1000",
            format!("--user-data-dir={}", profile.display()),
        ],
    });
    if !javascript {
        options["prefs"] =
            serde_json::json!({ "profile.managed_default_content_settings.javascript": 2 });
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("cannot open a Chromium session through chromedriver")
}

async fn screenshot(client: &Client, name: &str) {
    let dir = util::repo_root().join("artifacts/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn text(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn active_id(client: &Client) -> String {
    client
        .execute(
            "return document.activeElement && document.activeElement.id;",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// One chromedriver, one scenario after the other: browsers are heavy, and
/// the machine running the tests may be small.
#[tokio::test(flavor = "multi_thread")]
async fn browser_end_to_end() {
    let served = util::served("browser");
    let driver = start_driver();
    home_search_paper_author(&driver, &served.base).await;
    hostile_titles_show_as_text_and_run_nothing(&driver, &served.base).await;
    pages_work_without_javascript(&driver, &served.base).await;
}

async fn home_search_paper_author(driver: &Driver, base: &str) {
    let client = browser(driver, true).await;

    // Home: the search box has focus, the library's counts are shown.
    client.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(text(&client, "h1").await, "Find a paper");
    let stats = text(&client, ".stats").await;
    assert!(
        stats.contains("papers") && stats.contains("authors"),
        "{stats}"
    );
    assert!(text(&client, "#trending").await.contains("Trending"));
    assert_eq!(active_id(&client).await, "q");
    screenshot(&client, "01-home").await;

    // Typing suggests titles before anything is submitted.
    let input = client.find(Locator::Css("#q")).await.unwrap();
    input.send_keys("cache replacement").await.unwrap();
    let suggestion = text(&client, "#suggest-q li a").await;
    assert!(suggestion.contains("Cache Replacement"), "{suggestion}");
    screenshot(&client, "02-suggestions").await;

    // Submitting shows ranked results with highlighted snippets and facets.
    input.send_keys("\u{E007}").await.unwrap(); // Enter
    wait_for_url(&client, &format!("{base}/search?")).await;
    let count = text(&client, "h1.count").await;
    assert!(count.contains(" of "), "{count}");
    let first = text(&client, ".hits .card .title").await;
    assert_eq!(
        first,
        "An Imitation Learning Approach for Cache Replacement"
    );
    assert!(!text(&client, ".hits mark").await.is_empty());
    // Rendered text follows the CSS (headings are upper-cased).
    assert!(text(&client, ".facets")
        .await
        .to_lowercase()
        .contains("year"));
    screenshot(&client, "03-results").await;

    // The paper page: title, authors, sources and why they were merged, BibTeX.
    client
        .find(Locator::LinkText(&first))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text(&client, "article h1").await, first);
    let sources = text(&client, "#sources-h").await;
    assert_eq!(sources, "Sources and why they were merged");
    assert!(text(&client, "#bibtex")
        .await
        .starts_with("@inproceedings{"));
    let copy = client.find(Locator::Css("button.copy")).await.unwrap();
    assert!(
        copy.is_displayed().await.unwrap(),
        "copy button not shown with JavaScript"
    );
    // "/" jumps to the search box.
    client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("/")
        .await
        .unwrap();
    assert_eq!(active_id(&client).await, "top-q");
    screenshot(&client, "04-paper").await;

    // The author page: papers by year, collaborators ranked.
    client
        .find(Locator::LinkText("Kevin Swersky"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text(&client, "article h1").await, "Kevin Swersky");
    let collaborators = text(&client, ".collab").await;
    assert!(!collaborators.trim().is_empty());
    assert!(text(&client, "#papers-h").await.contains("Papers by year"));
    screenshot(&client, "05-author").await;

    // Phone width: still one readable column.
    client.set_window_size(390, 844).await.unwrap();
    client
        .goto(&format!("{base}/search?q=neural+networks"))
        .await
        .unwrap();
    assert!(!text(&client, ".hits .card .title").await.is_empty());
    screenshot(&client, "06-results-narrow").await;

    client.close().await.unwrap();
}

async fn hostile_titles_show_as_text_and_run_nothing(driver: &Driver, base: &str) {
    let client = browser(driver, true).await;
    client
        .goto(&format!("{base}/search?q=quasar+lensing&mode=lexical"))
        .await
        .unwrap();
    let title = text(&client, ".hits .card .title").await;
    assert_eq!(title, util::HOSTILE_TITLE);
    client
        .find(Locator::LinkText(&title))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text(&client, "article h1").await, util::HOSTILE_TITLE);
    // No alert was raised, and the page holds no element the title tried to make.
    assert!(
        client.get_alert_text().await.is_err(),
        "an alert dialog is open"
    );
    assert!(client.find(Locator::Css("article h1 b")).await.is_err());
    screenshot(&client, "07-hostile-paper").await;
    client.close().await.unwrap();
}

async fn pages_work_without_javascript(driver: &Driver, base: &str) {
    let client = browser(driver, false).await;
    client.goto(&format!("{base}/")).await.unwrap();
    let input = client.find(Locator::Css("#q")).await.unwrap();
    input.send_keys("semi-supervised").await.unwrap();
    client
        .find(Locator::Css(".bigsearch button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let first = text(&client, ".hits .card .title").await;
    assert!(!first.is_empty());
    // Mode switch and pagination are plain links.
    client
        .find(Locator::LinkText("lexical"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(client
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains("mode=lexical"));
    assert!(!text(&client, ".hits .card .title").await.is_empty());
    // Without JavaScript the copy button stays hidden, the BibTeX text is there.
    client
        .find(Locator::Css(".hits .card .title"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(text(&client, "#bibtex").await.starts_with('@'));
    let copy = client.find(Locator::Css("button.copy")).await.unwrap();
    assert!(!copy.is_displayed().await.unwrap());
    screenshot(&client, "08-paper-no-js").await;
    client.close().await.unwrap();
}

async fn wait_for_url(client: &Client, prefix: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let url = client.current_url().await.unwrap();
        if url.as_str().starts_with(prefix) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still at {url}, expected {prefix}..."
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
