"""The semantic model of one module: scopes and bindings, canonical operations, dataflow."""
