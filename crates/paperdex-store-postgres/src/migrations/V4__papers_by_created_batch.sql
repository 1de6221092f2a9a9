-- The twin of paperdex-store's 0005_papers_by_created_batch.sql. Every
-- engine open checks that the full-text index holds as many papers as the
-- library had at the batch it applied: a count by created_batch, which this
-- index answers without reading the papers' rows.
CREATE INDEX papers_created_batch ON papers(created_batch);
