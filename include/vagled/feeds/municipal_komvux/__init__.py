"""The municipal_komvux feed: its spec (spec.py) and its parser and lander (parse.py)."""
