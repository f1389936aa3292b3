"""The 4.1 lists module's routes: module path -> handlers by method."""

from __future__ import annotations

from opengauge.server.v4_1.call import Module
from opengauge.server.v4_1.lists import service

MODULES: dict[str, Module] = {
    "lists/unsubscribe": Module(
        {"GET": service.list_unsubscribes, "POST": service.add_unsubscribe}
    ),
    "lists/bounce": Module({"GET": service.list_bounces}),
}
