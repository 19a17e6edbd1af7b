-- The natural keys among a batch's passing rows, for a feed that keeps rows of one key apart.
select count(*) from (select distinct {key} from passing_batch) as k
