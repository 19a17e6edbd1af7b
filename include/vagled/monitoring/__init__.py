"""Monitoring for the data engineers: alerts, feed freshness, the Data health page, quarantine replay."""
