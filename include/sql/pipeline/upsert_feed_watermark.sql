insert into audit.feed_watermark (feed, watermark, batch_id)
values (%(feed)s, %(watermark)s, %(batch_id)s)
on conflict (feed) do update
set watermark = greatest(audit.feed_watermark.watermark, excluded.watermark),
    batch_id = excluded.batch_id,
    updated_at = now()
