"""Vägled: the competence-supply data platform of Östra Mellansverige."""

__version__ = "0.1.0"
