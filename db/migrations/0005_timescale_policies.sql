-- TimescaleDB, where the extension is available: compression and retention policies for raw samples, and the
-- rollup tables as compressed hypertables. Guarded like 0001 so embedded PGlite and plain PostgreSQL skip it;
-- there Kiban deletes old rows itself (server/jobs/rollups.ts). Retention defaults: raw 90 days, 1-minute
-- rollups 400 days, hourly and daily forever; the rollup job re-applies the configured values at start.
-- Compression never changes an answer: Kiban's rollups and queries read the same rows either way.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    ALTER TABLE samples SET (timescaledb.compress, timescaledb.compress_segmentby = 'point_id',
                             timescaledb.compress_orderby = 'ts');
    PERFORM add_compression_policy('samples', INTERVAL '7 days', if_not_exists => TRUE);
    PERFORM add_retention_policy('samples', INTERVAL '90 days', if_not_exists => TRUE);

    PERFORM create_hypertable('rollups_1m', 'bucket', chunk_time_interval => INTERVAL '7 days',
                              if_not_exists => TRUE, migrate_data => TRUE);
    PERFORM create_hypertable('rollups_1h', 'bucket', chunk_time_interval => INTERVAL '90 days',
                              if_not_exists => TRUE, migrate_data => TRUE);
    PERFORM create_hypertable('rollups_1d', 'bucket', chunk_time_interval => INTERVAL '365 days',
                              if_not_exists => TRUE, migrate_data => TRUE);
    ALTER TABLE rollups_1m SET (timescaledb.compress, timescaledb.compress_segmentby = 'point_id',
                                timescaledb.compress_orderby = 'bucket');
    PERFORM add_compression_policy('rollups_1m', INTERVAL '30 days', if_not_exists => TRUE);
    PERFORM add_retention_policy('rollups_1m', INTERVAL '400 days', if_not_exists => TRUE);
  END IF;
END
$$;
