-- TimescaleDB, where the extension is available: samples becomes a hypertable (1-day chunks).
-- Guarded so the same migration set applies unchanged to embedded PGlite and plain PostgreSQL, where it does
-- nothing. Compression and retention policies arrive with the time-series store issue.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    PERFORM create_hypertable('samples', 'ts', chunk_time_interval => INTERVAL '1 day',
                              if_not_exists => TRUE, migrate_data => TRUE);
  END IF;
END
$$;
