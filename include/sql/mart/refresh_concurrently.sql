-- Rebuild a populated mart beside the old one and swap in the difference: readers are never blocked
-- and see the old rows until this commits. The identifier is bound by the caller (psycopg.sql).
refresh materialized view concurrently {mart}
