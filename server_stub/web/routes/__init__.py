"""One router per resource of the sync protocol, all under `/api/v1`."""
