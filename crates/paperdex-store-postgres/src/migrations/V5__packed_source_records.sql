-- A source record's verbatim text and parsed fields as one zstd frame
-- (paperdex_store::PackedRecord, as SQLite's 0006): the two texts repeat
-- each other, the frame is ~3.6x smaller, and the ingest packs it on its
-- parser threads instead of serializing the fields on the single writer.
-- Rows written before keep their text columns (and no frame); new rows
-- leave those empty. Reads take whichever the row has.
ALTER TABLE sources ADD COLUMN record BYTEA;
