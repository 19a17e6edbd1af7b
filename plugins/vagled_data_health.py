"""The project's Airflow plugin: the Data health page in the Airflow UI.

The page (a FastAPI app, vagled.monitoring.health_app) is mounted by the api-server under
``/vagled`` and listed in the UI's navigation ("Data health", shown inside the UI at
``/plugin/data-health``). Kept thin: Airflow imports every module under plugins/ into its
long-running processes, so the logic lives in the ``vagled`` package.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from vagled.monitoring.alerts import HEALTH_URL_PREFIX
from vagled.monitoring.health_app import create_app


class VagledDataHealthPlugin(AirflowPlugin):
    name = "vagled_data_health"
    fastapi_apps = [  # noqa: RUF012 - Airflow's plugin interface is class attributes
        {"app": create_app(), "url_prefix": HEALTH_URL_PREFIX, "name": "Vägled data health"},
    ]
    external_views = [  # noqa: RUF012
        {
            "name": "Data health",
            "href": f"{HEALTH_URL_PREFIX}/data-health",
            "destination": "nav",
            "category": "browse",
            "url_route": "data-health",
        },
    ]
