"""The `fieldaudit` command and the full demo: the one place that joins the shopper's app
(`field_app`) and the sync server (`server_stub`), so neither has to import the other
beyond the server's use of the phone's domain."""
