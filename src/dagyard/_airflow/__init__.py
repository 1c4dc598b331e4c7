"""Adapters around Airflow internals: each module fences one area and has a contract test."""
