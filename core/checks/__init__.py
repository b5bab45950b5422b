"""Constraint suggestion, constraint evaluation and drift distances."""
