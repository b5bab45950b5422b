"""Backends: where endpoints, storage and monitoring jobs live (local or AWS)."""
