-- Ingest batches: every write belongs to one, and derived indexes track the last one they applied.
CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    started_at TEXT NOT NULL
);

-- One row per paper; `data` is the merged Paper as JSON, the columns serve lookups and filters.
CREATE TABLE papers (
    id INTEGER PRIMARY KEY,
    arxiv_id TEXT UNIQUE,
    doi TEXT UNIQUE,
    title TEXT NOT NULL,
    year INTEGER,
    venue TEXT,
    data TEXT NOT NULL,
    created_batch INTEGER NOT NULL REFERENCES batches(id),
    updated_batch INTEGER NOT NULL REFERENCES batches(id)
);
CREATE INDEX papers_updated_batch ON papers(updated_batch);
CREATE INDEX papers_year ON papers(year);

-- Every record ever read, verbatim, with how it was matched to its paper.
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    paper_id INTEGER NOT NULL REFERENCES papers(id),
    content_hash TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    record_index INTEGER NOT NULL,
    raw TEXT NOT NULL,
    fields TEXT NOT NULL,
    rule TEXT NOT NULL,
    score REAL NOT NULL,
    detail TEXT NOT NULL,
    batch_id INTEGER NOT NULL REFERENCES batches(id)
);
CREATE INDEX sources_paper ON sources(paper_id);
CREATE INDEX sources_file ON sources(file);

CREATE TABLE authors (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    family_key TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX authors_family ON authors(family_key);

CREATE TABLE author_names (
    author_id INTEGER NOT NULL REFERENCES authors(id),
    name TEXT NOT NULL,
    PRIMARY KEY (author_id, name)
) WITHOUT ROWID;

CREATE TABLE paper_authors (
    paper_id INTEGER NOT NULL REFERENCES papers(id),
    position INTEGER NOT NULL,
    author_id INTEGER NOT NULL REFERENCES authors(id),
    PRIMARY KEY (paper_id, position)
) WITHOUT ROWID;
CREATE INDEX paper_authors_author ON paper_authors(author_id, paper_id);

-- Match keys (ids, title, abstract anchors) packed as (kind u8, key i64 LE) per paper.
CREATE TABLE paper_keys (
    paper_id INTEGER PRIMARY KEY REFERENCES papers(id),
    keys BLOB NOT NULL
);

-- The user's own data: stars, follows, digest state.
CREATE TABLE user_items (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
