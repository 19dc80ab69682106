"""The HTTP edge of the sync server: routes translate requests into library calls and
named errors into problems; nothing here touches SQL."""
