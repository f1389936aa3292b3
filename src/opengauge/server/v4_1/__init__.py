"""The 4.1 API suite: ``/v4.1/<module>.json`` or ``.xml``, with its own envelopes and codes."""
