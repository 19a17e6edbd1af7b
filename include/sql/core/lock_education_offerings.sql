-- Serialise the publishes of the two education sources (Skolverket, MYH): both write providers
-- and the links between their offerings, so one waits for the other's transaction.
select pg_advisory_xact_lock(hashtext('core.education_offering'))
where %(batch_id)s::bigint is not null
