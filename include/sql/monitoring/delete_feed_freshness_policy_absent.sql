-- A feed no longer declared in the configuration is no longer watched.
delete from audit.feed_freshness_policy
where feed <> all(%(feeds)s::text[])
