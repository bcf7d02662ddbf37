"""MongoDB persistence: repositories, event log, indexes, and the embedded server launcher."""
