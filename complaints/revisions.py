"""`Complaint.revision`: a counter the database itself moves whenever a row the complaint page
shows changes, so that the page can be cached under (complaint, revision) and never outlive
a change.

It is kept by triggers rather than by the services or signals: a bulk `.update()`, a raw
UPDATE, a cascade or an admin edit would slip past those, and one missed path would show a
stale page. Each app installs the triggers of its own tables in a migration with
`RevisionTriggers` (the apps above complaints too: this module only knows table names).
The registry's rows (institutions, a brand's funders) move one revision of their own
instead (`RegistryTriggers`, complaints.models.RegistryRevision): an institution stands
behind thousands of complaints, and moving each one's revision took 1.5 s at 100,000.

bench.seed loads its rows with triggers off (`session_replication_role = replica`): the
revisions of seeded complaints stay 0, which is right for rows that nothing has changed yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import migrations

COMPLAINT_TABLE = "complaints_complaint"


@dataclass(frozen=True)
class Link:
    """How a row of `table` finds its complaints: `where` is a SQL condition on
    complaints_complaint's columns (unqualified), with ROW standing for OLD or NEW."""

    table: str
    where: str


def direct(table: str, column: str = "complaint_id") -> Link:
    return Link(table, f"id = ROW.{column}")


def through(table: str, column: str, parent: str, parent_column: str = "complaint_id") -> Link:
    """A row that belongs to a complaint through a parent row (an email of an escalation)."""
    return Link(table, f"id = (SELECT {parent_column} FROM {parent} WHERE id = ROW.{column})")  # noqa: S608 - names from migrations


def _name(link: Link) -> str:
    return f"{link.table}_revision"


def _on_update(link: Link) -> str:
    """The condition of an UPDATE: the complaints of the row before and after (a row moved
    to another complaint changes both pages)."""
    old, new = link.where.replace("ROW.", "OLD."), link.where.replace("ROW.", "NEW.")
    return f"({old}) OR ({new})"


def _bump(condition: str) -> str:
    return f"UPDATE {COMPLAINT_TABLE} SET revision = revision + 1 WHERE {condition};"  # noqa: S608 - names from migrations


def _sqlite_create(link: Link) -> list[str]:
    name = _name(link)
    old, new = link.where.replace("ROW.", "OLD."), link.where.replace("ROW.", "NEW.")
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {link.table} BEGIN {_bump(new)} END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {link.table} BEGIN {_bump(_on_update(link))} END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {link.table} BEGIN {_bump(old)} END",
    ]


def _sqlite_drop(link: Link) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {_name(link)}_{event}" for event in ("insert", "update", "delete")]


def _postgresql_create(link: Link) -> list[str]:
    name = _name(link)
    old, new = link.where.replace("ROW.", "OLD."), link.where.replace("ROW.", "NEW.")
    return [
        f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {_bump(new)}
    ELSIF TG_OP = 'UPDATE' THEN {_bump(_on_update(link))}
    ELSE {_bump(old)}
    END IF;
    RETURN NULL;
END $$""",
        f"DROP TRIGGER IF EXISTS {name} ON {link.table}",
        f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {link.table} "
        f"FOR EACH ROW EXECUTE FUNCTION {name}()",
    ]


def _postgresql_drop(link: Link) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {_name(link)} ON {link.table}",
        f"DROP FUNCTION IF EXISTS {_name(link)}()",
    ]


REGISTRY_TABLE = "complaints_registryrevision"


_REGISTRY_BUMP = f"UPDATE {REGISTRY_TABLE} SET revision = revision + 1;"  # noqa: S608 - names from migrations


def _registry_sqlite_create(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_registry_{event} AFTER {event.upper()} ON {table} BEGIN {_REGISTRY_BUMP} END"
        for event in ("insert", "update", "delete")
    ]


def _registry_sqlite_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_registry_{event}" for event in ("insert", "update", "delete")]


def _registry_postgresql_create(table: str) -> list[str]:
    # Once per statement: an import that changes a hundred rows moves the revision once.
    return [
        f"""CREATE OR REPLACE FUNCTION {table}_registry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_REGISTRY_BUMP}
    RETURN NULL;
END $$""",
        f"DROP TRIGGER IF EXISTS {table}_registry ON {table}",
        f"CREATE TRIGGER {table}_registry AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_registry()",
    ]


def _registry_postgresql_drop(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_registry ON {table}",
        f"DROP FUNCTION IF EXISTS {table}_registry()",
    ]


class _Triggers(migrations.RunPython):
    """Installs (and on reverse removes) triggers on some tables, one statement list per
    item from the builders of the database's vendor (`CREATE` and `DROP`)."""

    CREATE: dict[str, Callable[[Any], list[str]]] = {}
    DROP: dict[str, Callable[[Any], list[str]]] = {}

    def __init__(self, *items: Any) -> None:
        self.items = items
        super().__init__(self._create, self._drop)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, object]]:
        return (self.__class__.__qualname__, list(self.items), {})

    def _run(self, schema_editor: Any, builders: dict[str, Callable[[Any], list[str]]]) -> None:
        vendor = schema_editor.connection.vendor
        if vendor not in builders:
            raise NotImplementedError(f"{type(self).__name__} has no triggers written for {vendor}")
        for item in self.items:
            for statement in builders[vendor](item):
                schema_editor.execute(statement, params=None)

    def _create(self, apps: Any, schema_editor: Any) -> None:
        self._run(schema_editor, self.CREATE)

    def _drop(self, apps: Any, schema_editor: Any) -> None:
        self._run(schema_editor, self.DROP)


class RegistryTriggers(_Triggers):
    """The triggers that move the registry's single revision (complaints.models.
    RegistryRevision) whenever a row of these tables changes: RegistryTriggers(*tables)."""

    CREATE = {"sqlite": _registry_sqlite_create, "postgresql": _registry_postgresql_create}
    DROP = {"sqlite": _registry_sqlite_drop, "postgresql": _registry_postgresql_drop}


class RevisionTriggers(_Triggers):
    """The triggers that bump the revision of the complaints a row of each linked table
    belongs to: RevisionTriggers(*links)."""

    CREATE = {"sqlite": _sqlite_create, "postgresql": _postgresql_create}
    DROP = {"sqlite": _sqlite_drop, "postgresql": _postgresql_drop}
