-- The vector index's change check (count and batch sum of a model's
-- embeddings) runs on every refresh tick of a server: without this index it
-- reads every vector blob; with it, only (model, batch) pairs.
CREATE INDEX embeddings_model_batch ON embeddings(model, batch);
