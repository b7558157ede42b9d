"""The catalogue: talents who chose to be found, as brands may see them.

A talent opts in with a listing (a public name, a short bio, the channels and categories
they accept, indicative rates per published use in one currency) and, if they like, a
picture that brands see stamped "CATALOGUE PREVIEW — not for publication" with an
invisible watermark. Brands and operators browse the opted-in listings
(``GET /catalogue``, ``likeness catalogue list``) and request a license from there; they
never see a talent's legal name or account. Only the talent writes or withdraws their
listing; every change is audited.
"""
