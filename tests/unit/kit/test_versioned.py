"""The guarded UPDATE behind every optimistic-concurrency write (licenses, consents, outputs)."""

from __future__ import annotations

from sqlalchemy import Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from likeness.kit.versioned import compare_and_set, guarded_update


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "rows"

    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False)


def test_only_the_racer_holding_the_current_version_wins() -> None:
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(_Row(id="r1", version=1, status="draft"))
        session.flush()
        row = session.get(_Row, "r1")
        assert row is not None
        assert compare_and_set(session, _Row, "r1", 1, {"status": "signed"})
        assert (row.version, row.status) == (2, "signed")  # expired, so re-read
        assert not compare_and_set(session, _Row, "r1", 1, {"status": "revoked"})
        assert (row.version, row.status) == (2, "signed")
        assert not compare_and_set(session, _Row, "nope", 2, {"status": "revoked"})


def test_a_guarded_update_wins_only_while_its_guard_holds() -> None:
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(_Row(id="r1", version=1, status="draft"))
        session.flush()
        row = session.get(_Row, "r1")
        assert row is not None
        assert guarded_update(session, _Row, "r1", _Row.status == "draft", {"status": "signed"})
        assert (row.version, row.status) == (1, "signed")  # no version bump; re-read
        assert not guarded_update(
            session, _Row, "r1", _Row.status == "draft", {"status": "revoked"}
        )
        assert row.status == "signed"
