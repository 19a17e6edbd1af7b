insert into audit.freshness_alert (feed, county_code, status, last_success_at, checked_as_of, channels)
values (%(feed)s, %(county_code)s, %(status)s, %(last_success_at)s, %(checked_as_of)s, %(channels)s)
