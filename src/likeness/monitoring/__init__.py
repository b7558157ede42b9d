"""Likeness monitoring: find a talent's face where no license allows it, and act.

A scan reads images from a source, inspects each (faces, embeddings, watermark, C2PA),
matches the faces against the talents who opted in to monitoring, and weighs what it
found against the asset registry: a licensed release in good standing, a release past
its take-down date or outside its channel, a leak from quarantine, or a face with no
mark at all. Each hit opens or updates a case that the talent and their agent review;
a confirmed case yields a take-down notice. See docs/guide/monitoring.md.
"""
