"""Print the OpenAPI document of the handler table: `python -m beekeeper_ext.handlers`.

labextension/scripts/gen-api.sh generates the panel's TypeScript types from it. It lives beside the
table it describes, so openapi.py needs no import of the handlers that use it.
"""

import json

from ..openapi import document
from . import routes

print(json.dumps(document(routes()), indent=1, sort_keys=False))
