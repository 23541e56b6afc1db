"""Readers: files people write (matrix YAML, customer YAML/CSV, published Markdown pages)
turned into the model, with every problem reported at its file, line and column."""
