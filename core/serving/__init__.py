"""Local model endpoints: model artifacts, the HTTP server process, data capture, lifecycle."""
