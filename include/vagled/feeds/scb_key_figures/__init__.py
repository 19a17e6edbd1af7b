"""The scb_key_figures feed: its spec (spec.py) and its parser and lander (parse.py)."""
