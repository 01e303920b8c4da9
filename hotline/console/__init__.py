"""The staff console in the browser (served under /console): procedures, try-it,
review queue, dashboard, users. Server-rendered Jinja2 pages with htmx."""

from .app import create_console

__all__ = ["create_console"]
