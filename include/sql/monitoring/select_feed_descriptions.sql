select feed, description, per_county from audit.feed_freshness_policy
