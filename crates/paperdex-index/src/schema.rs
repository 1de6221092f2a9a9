//! The index's schema, analyzers and field boosts: everything that decides
//! what is on disk. Change any of it and bump [`SCHEMA_VERSION`], so that
//! existing indexes are rebuilt rather than read with the wrong analyzer.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST,
    INDEXED, STORED,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, TextAnalyzer, TokenizerManager,
};

/// The version of the schema and analyzers, stored in every commit's payload.
/// An index written with another version is wiped and rebuilt on open.
pub const SCHEMA_VERSION: u32 = 1;

/// English text: words, lowercased, accents folded, stemmed.
pub(crate) const TEXT_ANALYZER: &str = "paperdex_en";
/// Whole values, lowercased and accents folded: exact author names, file names.
pub(crate) const EXACT_ANALYZER: &str = "paperdex_exact";

/// How much a match in each text field counts, relative to the abstract.
/// Fields are scored by BM25 each on its own and summed, so a word found in
/// both a paper's title and its abstract already counts twice. Measured on
/// the retrieval benchmark (`paperdex bench retrieval`): title 3 / tl;dr 2 /
/// authors 2 gave lexical MRR@10 0.67 (tl;dr task) and 0.35 (title task),
/// all 1.0 gave 0.94 and 0.59, and these values 0.95 and 0.70 — boosting
/// titles makes papers whose titles share a common query word outrank the
/// paper whose abstract matches the whole query.
pub(crate) const TITLE_BOOST: f32 = 0.5;
pub(crate) const TLDR_BOOST: f32 = 1.0;
pub(crate) const AUTHORS_BOOST: f32 = 0.5;
pub(crate) const ABSTRACT_BOOST: f32 = 1.0;
pub(crate) const VENUE_BOOST: f32 = 0.5;

/// Field names, also the fast-field names used by collectors.
pub(crate) const ID: &str = "id";
pub(crate) const YEAR: &str = "year";

/// The fields of the schema.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields {
    pub id: Field,
    pub title: Field,
    pub abstract_text: Field,
    pub tldr: Field,
    pub authors: Field,
    pub author_exact: Field,
    pub venue: Field,
    pub year: Field,
    pub source: Field,
}

impl Fields {
    /// The ranked text fields with their boosts.
    pub fn boosted_text(&self) -> [(Field, f32); 5] {
        [
            (self.title, TITLE_BOOST),
            (self.tldr, TLDR_BOOST),
            (self.authors, AUTHORS_BOOST),
            (self.abstract_text, ABSTRACT_BOOST),
            (self.venue, VENUE_BOOST),
        ]
    }
}

/// The current schema and its fields.
pub(crate) fn build_schema() -> (Schema, Fields) {
    let text = |stored: bool| {
        let options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TEXT_ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let exact = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(EXACT_ANALYZER)
            .set_index_option(IndexRecordOption::Basic),
    );
    let mut builder = Schema::builder();
    let id = builder.add_i64_field(ID, INDEXED | FAST | STORED);
    let title = builder.add_text_field("title", text(false));
    let abstract_text = builder.add_text_field("abstract", text(true));
    let tldr = builder.add_text_field("tldr", text(false));
    let authors = builder.add_text_field("authors", text(false));
    let author_exact = builder.add_text_field("author_exact", exact.clone());
    let venue = builder.add_text_field("venue", text(false));
    let year = builder.add_i64_field(YEAR, NumericOptions::from(INDEXED | FAST));
    let source = builder.add_text_field("source", exact);
    let fields = Fields {
        id,
        title,
        abstract_text,
        tldr,
        authors,
        author_exact,
        venue,
        year,
        source,
    };
    (builder.build(), fields)
}

/// The English text analyzer.
pub(crate) fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The whole-value analyzer. Callers collapse whitespace first
/// ([`normalize_exact`]), so that `Kevin  Swersky` and `kevin swersky` agree.
pub(crate) fn exact_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers this crate's analyzers.
pub(crate) fn register_analyzers(tokenizers: &TokenizerManager) {
    tokenizers.register(TEXT_ANALYZER, text_analyzer());
    tokenizers.register(EXACT_ANALYZER, exact_analyzer());
}

/// Trims and collapses runs of whitespace to one space.
pub(crate) fn normalize_exact(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}
