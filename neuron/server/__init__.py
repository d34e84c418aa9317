"""The workbench server: every notebook and the JSON API in one ASGI app."""

from neuron.server.app import (
    build_app,
    close_notebook_sessions,
    is_loopback,
    listening_socket,
)

__all__ = ["build_app", "close_notebook_sessions", "is_loopback", "listening_socket"]
