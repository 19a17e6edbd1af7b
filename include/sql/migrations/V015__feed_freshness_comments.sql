-- Every mart column is described in Swedish and English (the data dictionary is made from these).
comment on column mart.feed_freshness.feed is 'Flöde / feed';
comment on column mart.feed_freshness.county_code is
    'Län för flöden som laddas per kommun; NULL = hela flödet / county, for feeds loaded per municipality; NULL = the whole feed';
comment on column mart.feed_freshness.dag_id is 'DAG som laddar flödet / the DAG that loads the feed';
comment on column mart.feed_freshness.max_age is 'Högsta tillåtna ålder / how old the data may be';
comment on column mart.feed_freshness.last_success_at is 'Senaste lyckade laddning / last successful load';
comment on column mart.feed_freshness.last_batch_id is 'Senaste laddningen (audit.load_batch) / the last batch';
comment on column mart.feed_freshness.last_batch_status is
    'Status för senaste laddningen / status of the last batch (succeeded, failed, rejected, running)';
comment on column mart.feed_freshness.rows_last_batch is 'Rader laddade i senaste laddningen / rows loaded by the last batch';
comment on column mart.feed_freshness.quarantined_last is
    'Rader i karantän från senaste laddningen / rows quarantined by the last batch';
comment on column mart.feed_freshness.validation_pass_rate is
    'Andel rader som klarade valideringen / share of the last batch''s rows that passed validation';
comment on column mart.feed_freshness.parts is 'Antal delar (kommuner) som räknas / parts (municipalities) counted';
comment on column mart.feed_freshness.stale_parts is 'Delar som är för gamla / parts that are stale';
comment on column mart.feed_freshness.status is
    'fresh, stale eller never_loaded / fresh, stale or never_loaded';
