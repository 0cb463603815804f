"""An interactive coaching workbook for the TRACE leadership model."""

import sys

__version__ = "0.1.0"

# Altair imports jsonschema, which imports rfc3987_syntax when it is installed (Jupyter pulls
# it in); that module compiles a grammar at import, 3 s per kernel on our 2-core machines.
# The workbook never validates IRIs, so every kernel skips it (altair import: 3.1 s -> 0.4 s).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

__all__ = ["__version__"]
