"""Renderers: turn a Connect page into HTML, JSON or plain text. Each imports only the engine."""
