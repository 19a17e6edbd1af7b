select watermark from audit.feed_watermark where feed = %(feed)s
