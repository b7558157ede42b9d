"""The server-rendered web portal: one place for talent, agents, brands, operators and the public.

Mounted at ``/`` by :func:`likeness.api.app.create_app`, next to the API under ``/api/v1``.
Pages are thin: each route resolves the caller (:mod:`likeness.portal.pages`), calls the
same service functions the API calls (so the same access rules apply), and renders a
Jinja2 template from ``templates/``. See ``README.md`` in this package for how to add a page.
"""
