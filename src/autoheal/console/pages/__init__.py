"""One module per console area; each exposes ``router`` (see ``autoheal.console.app.PAGES``)."""
