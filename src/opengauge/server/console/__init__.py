"""The web console at ``/console/``: the screens the CustomerGauge documents send readers to."""
