"""REST v6/v7: the responses and non-responses export."""
