"""The municipal_programmes feed: its spec (spec.py) and its parser and lander (parse.py)."""
