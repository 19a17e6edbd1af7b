"""The municipalities' file drops, shared by municipal_komvux and municipal_programmes: listing, landing, reading."""
