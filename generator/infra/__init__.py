"""Infrastructure the pipeline stands on: located diagnostics, safe YAML reading, atomic writes,
the fingerprint, and the batch's worker processes."""
