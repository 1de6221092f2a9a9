-- Sentence embeddings, derived from papers. `batch` is the paper's updated_batch
-- when it was embedded: a paper updated since then is embedded again.
CREATE TABLE embeddings (
    paper_id INTEGER NOT NULL REFERENCES papers(id),
    model TEXT NOT NULL,
    batch INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (paper_id, model)
) WITHOUT ROWID;
