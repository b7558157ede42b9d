"""The WHERE clause every feature's filtered list is built with."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from likeness.kit.query import conditions, page


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "rows"

    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    owner: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8))


def _ids(session: Session, where: list[ColumnElement[bool]]) -> list[str]:
    return list(session.execute(select(_Row.id).where(*where).order_by(_Row.id)).scalars())


def test_filters_left_out_do_not_filter_and_given_ones_all_apply() -> None:
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(
            [
                _Row(id="a", owner="ann", status="live"),
                _Row(id="b", owner="ann", status="gone"),
                _Row(id="c", owner="bob", status="live"),
            ]
        )
        session.flush()
        assert conditions(None, (_Row.owner, None), (_Row.status, None)) == []
        assert _ids(session, conditions(None, (_Row.status, "live"))) == ["a", "c"]
        both = conditions(None, (_Row.owner, "ann"), (_Row.status, "live"))
        assert _ids(session, both) == ["a"]
        mine = conditions(_Row.owner == "bob", (_Row.status, None))
        assert len(mine) == 1
        assert _ids(session, mine) == ["c"]
        assert _ids(session, conditions(_Row.owner == "bob", (_Row.status, "gone"))) == []


def test_a_page_is_limit_rows_after_offset_in_the_query_order() -> None:
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([_Row(id=f"r{i}", owner="ann", status="live") for i in range(5)])
        session.flush()
        ordered = select(_Row).order_by(_Row.id.desc())
        assert [r.id for r in page(session, ordered, limit=2, offset=0)] == ["r4", "r3"]
        assert [r.id for r in page(session, ordered, limit=2, offset=3)] == ["r1", "r0"]
        assert page(session, ordered, limit=2, offset=5) == []
