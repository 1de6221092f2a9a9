-- Topics: k-means clusters of paper embeddings, labelled by class-based TF-IDF.
-- Derived data, replaced whole by each recomputation. `topic_runs` (one row)
-- records the library state they were computed from: the last batch, the
-- embedding model and how many embedded papers were clustered.
CREATE TABLE topic_runs (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    model TEXT NOT NULL,
    batch INTEGER NOT NULL,
    papers INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

-- `terms` is a JSON array of the topic's most distinctive terms, best first.
CREATE TABLE topics (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    terms TEXT NOT NULL,
    size INTEGER NOT NULL
);

CREATE TABLE paper_topics (
    paper_id INTEGER PRIMARY KEY REFERENCES papers(id),
    topic_id INTEGER NOT NULL REFERENCES topics(id)
) WITHOUT ROWID;
CREATE INDEX paper_topics_topic ON paper_topics(topic_id, paper_id);
