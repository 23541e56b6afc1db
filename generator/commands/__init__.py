"""Commands: what `annex <command>` runs, over the model, readers and writers (cli.py parses the
command line and calls these)."""
