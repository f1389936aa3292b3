"""The 4.1 anonymize module's routes: module path -> handlers by method."""

from __future__ import annotations

from opengauge.server.v4_1.anonymize.service import preview, run
from opengauge.server.v4_1.call import Module

MODULES: dict[str, Module] = {"anonymize": Module({"GET": preview, "POST": run})}
