"""Alembic migrations, shipped inside the package so an installed Likeness can upgrade itself.

No ``alembic.ini`` is needed: :func:`alembic_config` builds the configuration in code.

Alembic is imported only by the functions that migrate: every CLI command checks the
database's revision (:func:`current_revision`, :func:`head_revision`), and that check
must not cost Alembic's import time.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from likeness.errors import ConfigurationError
from likeness.kit.db import create_db_engine

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).parent
VERSION_TABLE = "alembic_version"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter when comparing models with a database: leaves out what a
    migration creates only on some databases and no model maps (pgvector's column and
    HNSW index, migration 0012)."""
    from likeness.models.monitoring_index import POSTGRES_ONLY

    return not (reflected and compare_to is None and name in POSTGRES_ONLY)


_REVISION = re.compile(r"^revision(?:: str)? = [\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(r"^down_revision(?:: [^=]+)? = (.+)$", re.MULTILINE)


def head_revision() -> str | None:
    """The code's head revision, read from the version files without importing Alembic.

    Falls back to Alembic itself when the files do not form one simple chain (a merge,
    or a ``down_revision`` this reader does not understand).
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (HERE / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN.search(source)
        if revision is None or down is None:
            return _alembic_head_revision()
        revisions.add(revision.group(1))
        parent = down.group(1).strip()
        if parent != "None":
            if not re.fullmatch(r"[\"'][^\"']+[\"']", parent):
                return _alembic_head_revision()
            parents.add(parent.strip("\"'"))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else _alembic_head_revision()


def _alembic_head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The database's revision (None: never migrated), read without importing Alembic."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        found = list(rows)
    if len(found) > 1:
        raise ConfigurationError(f"the database has several heads: {', '.join(sorted(found))}")
    return found[0] if found else None


def current_revision_for_url(url: str) -> str | None:
    engine = create_db_engine(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()
