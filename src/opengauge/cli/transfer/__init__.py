"""``opengauge import ...`` and ``opengauge export ...``: bulk transfer through the SDK.

- ``csvfile``: reading the input CSV (delimiter, BOM, header checks)
- ``engine``: the import run (a bounded queue feeding N workers, results in file order)
- ``progress``: the progress line on stderr
- ``connection``: the shared connection options, the SDK client, the event loop
- ``exits``: exit statuses and the command that resumes a stopped run
- ``imports``: the four ``import`` commands; ``export``: the ``export`` command
"""

from opengauge.cli.transfer.export import export
from opengauge.cli.transfer.imports import import_

__all__ = ["export", "import_"]
