"""The scb_transitions feed: its spec (spec.py) and its parser and lander (parse.py)."""
