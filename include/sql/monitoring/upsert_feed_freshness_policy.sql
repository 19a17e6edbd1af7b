insert into audit.feed_freshness_policy as p (feed, dag_id, max_age, per_county, description)
values (%(feed)s, %(dag_id)s, %(max_age)s, %(per_county)s, %(description)s)
on conflict (feed) do update
set dag_id = excluded.dag_id,
    max_age = excluded.max_age,
    per_county = excluded.per_county,
    description = excluded.description
where (p.dag_id, p.max_age, p.per_county, p.description)
      is distinct from (excluded.dag_id, excluded.max_age, excluded.per_county, excluded.description)
