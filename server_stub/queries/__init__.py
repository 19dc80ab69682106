"""All SQL of the server, one module per entity. Each function takes an open connection
(the caller owns the transaction) and returns plain records or simple values."""
