"""Survey pages: ``/r/{code}`` (answer a survey) and ``/s/{code}`` (short link)."""
