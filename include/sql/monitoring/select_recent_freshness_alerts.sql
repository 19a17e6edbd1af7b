-- Feeds (and counties) already alerted on as stale since a moment: they are not alerted again yet.
select distinct feed, county_code
from audit.freshness_alert
where checked_as_of > %(since)s
  and checked_as_of <= %(as_of)s
