"""An in-memory index of the loaded license set, so a decision is a dict lookup away."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from likeness.policy._decide import decide
from likeness.policy._values import ConsentFacts, Decision, LicenseFacts, RightsFacts, UseRequest


class RightsIndex:
    """Facts grouped by talent; built once, queried many times.

    Mutating methods exist for loaders; a decision never mutates the index.
    """

    def __init__(self) -> None:
        self._licenses: defaultdict[str, list[LicenseFacts]] = defaultdict(list)
        self._creation: defaultdict[str, list[ConsentFacts]] = defaultdict(list)
        self._never: dict[str, frozenset[str]] = {}
        self._twin_talent: dict[str, str] = {}
        self._deleted: defaultdict[str, set[str]] = defaultdict(set)
        self._versionless: defaultdict[str, set[str]] = defaultdict(set)
        self._facts: dict[str, RightsFacts] = {}

    def add_license(self, lic: LicenseFacts) -> None:
        self._licenses[lic.talent_id].append(lic)
        if lic.twin_id is not None:
            self._twin_talent[lic.twin_id] = lic.talent_id
        self._facts.pop(lic.talent_id, None)

    def add_creation_consent(self, consent: ConsentFacts) -> None:
        self._creation[consent.talent_id].append(consent)
        if consent.twin_id is not None:
            self._twin_talent[consent.twin_id] = consent.talent_id
        self._facts.pop(consent.talent_id, None)

    def add_twin_state(self, talent_id: str, twin_id: str, *, deleted: bool, versions: int) -> None:
        """Set a twin's state: deleted (no use at all), without a version (no generation),
        or usable; a later call replaces an earlier one (a rebuilt twin is usable again)."""
        self._twin_talent[twin_id] = talent_id
        self._deleted[talent_id].discard(twin_id)
        self._versionless[talent_id].discard(twin_id)
        if deleted:
            self._deleted[talent_id].add(twin_id)
        elif versions == 0:
            self._versionless[talent_id].add(twin_id)
        self._facts.pop(talent_id, None)

    def set_never_allowed(self, talent_id: str, categories: Iterable[str]) -> None:
        self._never[talent_id] = frozenset(categories)
        self._facts.pop(talent_id, None)

    def talent_of(self, twin_or_talent_id: str) -> str:
        return self._twin_talent.get(twin_or_talent_id, twin_or_talent_id)

    def facts(self, talent_id: str) -> RightsFacts:
        cached = self._facts.get(talent_id)
        if cached is None:
            cached = RightsFacts(
                talent_id=talent_id,
                never_allowed=self._never.get(talent_id, frozenset()),
                creation_consents=tuple(self._creation.get(talent_id, ())),
                licenses=tuple(self._licenses.get(talent_id, ())),
                deleted_twins=frozenset(self._deleted.get(talent_id, ())),
                twins_without_version=frozenset(self._versionless.get(talent_id, ())),
            )
            self._facts[talent_id] = cached
        return cached

    def decide(self, use: UseRequest) -> Decision:
        return decide(use, self.facts(use.talent_id))

    def __len__(self) -> int:
        return sum(len(v) for v in self._licenses.values())
