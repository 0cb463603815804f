"""An interactive coaching workbook for the TRACE leadership model."""

__version__ = "0.1.0"

__all__ = ["__version__"]
