"""Who is calling: passwords, session cookies, API tokens, roles and ownership."""
