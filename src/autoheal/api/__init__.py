"""The REST API (FastAPI): a thin edge over the library. ``create_app`` is the only entry point."""
