"""The myh_programmes feed: its spec (spec.py) and its parser and lander (parse.py)."""
