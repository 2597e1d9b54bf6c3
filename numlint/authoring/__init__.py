"""Tools for rule authors: executing the proofs of fixes (`proof`, `--demo`) and generating
the rules' documentation (`docs`)."""
