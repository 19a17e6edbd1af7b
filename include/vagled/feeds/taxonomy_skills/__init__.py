"""The taxonomy_skills feed: its spec (spec.py) and its parser and lander (parse.py)."""
