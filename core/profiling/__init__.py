"""Streaming, mergeable column statistics in the SageMaker analyzer's (Deequ's) semantics."""
