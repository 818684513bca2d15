"""resilint: a linter for resilience defects in infrastructure-as-code."""

__version__ = "0.1.0"
