"""Proof and compliance: proof bundles, signed chain heads, compliance and subject-access reports."""  # noqa: E501
