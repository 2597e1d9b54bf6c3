"""The faces: the `numlint` command (`main`), its output formats and the flake8 plugin."""
