-- Topics, the PostgreSQL twin of paperdex-store's 0003_topics.sql: k-means
-- clusters of paper embeddings, labelled by class-based TF-IDF. Derived
-- data, replaced whole by each recomputation. `topic_runs` (one row)
-- records the library state they were computed from: the last batch, the
-- embedding model and how many embedded papers were clustered.
--
-- Generated tl;drs need no table: as on SQLite they are written into the
-- paper's `data` (`tldr`, with `tldr_generated` true).
CREATE TABLE topic_runs (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    model TEXT NOT NULL,
    batch BIGINT NOT NULL,
    papers BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- `terms`: the topic's most distinctive terms, best first.
CREATE TABLE topics (
    id BIGINT PRIMARY KEY,
    label TEXT NOT NULL,
    terms TEXT[] NOT NULL,
    size BIGINT NOT NULL
);

-- Every clustered paper's topic: at most one per paper.
CREATE TABLE paper_topics (
    paper_id BIGINT PRIMARY KEY REFERENCES papers(id),
    topic_id BIGINT NOT NULL REFERENCES topics(id)
);
CREATE INDEX paper_topics_topic ON paper_topics(topic_id, paper_id);
