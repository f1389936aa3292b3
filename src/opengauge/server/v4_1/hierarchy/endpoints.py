"""The 4.1 hierarchy module's routes: module path -> handlers by method."""

from __future__ import annotations

from opengauge.server.v4_1.call import Module
from opengauge.server.v4_1.hierarchy import service

MODULES: dict[str, Module] = {
    "hierarchy": Module(
        {
            "GET": service.list_divisions,
            "POST": service.add_division,
            "PUT": service.update_division,
            "DELETE": service.delete_division,
        }
    ),
}
