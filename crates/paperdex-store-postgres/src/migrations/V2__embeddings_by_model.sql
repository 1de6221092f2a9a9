-- The vector index's change check (count and batch sum of a model's
-- embeddings) runs on every refresh tick of a server: this index lets it be
-- an index-only scan instead of a read of every vector.
CREATE INDEX embeddings_model_batch ON embeddings (model, batch);
