"""exposure-sync: keep dbt exposures in step with Looker."""

__version__ = "0.1.0"
