"""Kamailio in front of `hotline serve` gateway workers: the shipped configuration
(`kamailio.cfg`) and its rendering (`render.py`)."""
