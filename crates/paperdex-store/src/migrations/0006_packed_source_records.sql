-- A source's verbatim text and parsed fields move into one compressed
-- `record` (see packed_record.rs): they were about two thirds of the bytes an
-- ingest wrote. The migration's hook packs the existing rows and drops the
-- old `raw` and `fields` columns.
ALTER TABLE sources ADD COLUMN record BLOB NOT NULL DEFAULT x'';
