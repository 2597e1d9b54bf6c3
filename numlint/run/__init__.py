"""Files on disk: configuration files, discovery, one file (`runner`), the process pool,
the result cache, notebooks and the report. Uses the engine; never the command line."""
