"""The web console: server-rendered pages under ``/console`` over the same services as the API.

``autoheal.console.app.router`` is mounted by ``autoheal.api.app.create_app``. Each area is one
module in ``console/pages/`` (its routes) and one template in ``console/templates/``; the list of
areas is ``autoheal.console.app.PAGES``. Every asset (CSS, JavaScript, icon) ships in
``console/static/``: nothing is fetched from a CDN.

This package's ``__init__`` imports nothing, so that ``autoheal.store.models`` can import the
console's table module without pulling in the web layer.
"""
