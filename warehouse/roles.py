"""Least-privilege database roles, ensured idempotently in any warehouse server.

The same roles as `infra/postgres/10-roles.sh` (docker compose), applied by the embedded
server on every start and available for any server an administrator points this at:

  ecom_transformer  owns the warehouse database: the loader, dbt and the ML writers run as it
  ecom_reader       read-only sessions; SELECT on everything ecom_transformer creates (api, app)
  mlflow            owns database `mlflow` (for when MLflow's store is PostgreSQL)
  dagster           owns database `dagster` (for when Dagster's storage is PostgreSQL)

Passwords come from ECOM_TRANSFORMER_PASSWORD, ECOM_READER_PASSWORD, MLFLOW_DB_PASSWORD and
DAGSTER_PG_PASSWORD. Unset leaves a role's password as it is (the embedded server trusts its
unix socket, so its roles need none). Objects the administrator itself owns in the warehouse
database (a data directory from before these roles existed, where everything ran as the
`postgres` superuser) are handed to ecom_transformer, so old checkouts keep working.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

#: The embedded server's bootstrap superuser (pgserver runs initdb with `-U postgres`).
EMBEDDED_SUPERUSER = "postgres"

#: Serialises concurrent `ensure_roles` calls (concurrent GRANTs fail with "tuple concurrently
#: updated"); taken in the maintenance database, so it covers the whole server.
_ADVISORY_LOCK_KEY = 0x65636F6D  # "ecom"


@dataclass(frozen=True)
class RoleNames:
    """Role names; `mlflow` and `dagster` also name the databases those roles own."""

    transformer: str = "ecom_transformer"
    reader: str = "ecom_reader"
    mlflow: str = "mlflow"
    dagster: str = "dagster"

    def password_variables(self) -> dict[str, str]:
        """role name -> the environment variable holding its password."""
        return {
            self.transformer: "ECOM_TRANSFORMER_PASSWORD",
            self.reader: "ECOM_READER_PASSWORD",
            self.mlflow: "MLFLOW_DB_PASSWORD",
            self.dagster: "DAGSTER_PG_PASSWORD",
        }


DEFAULT_ROLES = RoleNames()

# Hands every object the administrator owns in a non-system schema to the transformer.
# `reassign owned by postgres` is refused for the bootstrap superuser (its objects include the
# system catalogs), hence the loops. Tables go before sequences: a sequence linked to a column
# follows its table and cannot be altered on its own.
_MIGRATE_OWNERSHIP = """
do $migrate$
declare
    target text := {transformer};
    obj record;
begin
    for obj in
        select n.nspname
        from pg_namespace n
        where n.nspowner = (select oid from pg_roles where rolname = current_user)
            and n.nspname not in ('pg_catalog', 'information_schema')
            and n.nspname not like 'pg\\_%'
    loop
        execute format('alter schema %I owner to %I', obj.nspname, target);
    end loop;
    for obj in
        select c.oid, n.nspname, c.relname, c.relkind
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        where c.relowner = (select oid from pg_roles where rolname = current_user)
            and c.relkind in ('r', 'p', 'f', 'v', 'm', 'S')
            and not exists (select 1 from pg_depend e where e.objid = c.oid and e.deptype = 'e')
            and n.nspname not in ('pg_catalog', 'information_schema')
            and n.nspname not like 'pg\\_%'
        order by c.relkind = 'S'
    loop
        if obj.relkind = 'S' and exists (
            select 1 from pg_depend d
            where d.objid = obj.oid
                and d.classid = 'pg_class'::regclass
                and d.refclassid = 'pg_class'::regclass
                and d.deptype in ('a', 'i')
        ) then
            continue;  -- owned by a column: moved with its table
        end if;
        execute format(
            'alter %s %I.%I owner to %I',
            case obj.relkind
                when 'v' then 'view'
                when 'm' then 'materialized view'
                when 'S' then 'sequence'
                when 'f' then 'foreign table'
                else 'table'
            end,
            obj.nspname, obj.relname, target
        );
    end loop;
    for obj in
        select p.oid::regprocedure as signature
        from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace
        where p.proowner = (select oid from pg_roles where rolname = current_user)
            and not exists (select 1 from pg_depend e where e.objid = p.oid and e.deptype = 'e')
            and n.nspname not in ('pg_catalog', 'information_schema')
            and n.nspname not like 'pg\\_%'
    loop
        execute format('alter routine %s owner to %I', obj.signature, target);
    end loop;
end
$migrate$
"""

# What already exists in the transformer's schemas becomes readable too (default privileges
# cover only objects created after they were set).
_GRANT_EXISTING = """
do $grant$
declare
    obj record;
begin
    for obj in
        select n.nspname
        from pg_namespace n
        where (n.nspowner = (select oid from pg_roles where rolname = {transformer})
                or n.nspname = 'public')
            and n.nspname not in ('pg_catalog', 'information_schema')
            and n.nspname not like 'pg\\_%'
    loop
        execute format('grant usage on schema %I to %I', obj.nspname, {reader});
        execute format('grant select on all tables in schema %I to %I', obj.nspname, {reader});
        execute format(
            'grant select on all sequences in schema %I to %I', obj.nspname, {reader}
        );
    end loop;
end
$grant$
"""


def roles_current(
    admin_url: str, database: str, names: RoleNames = DEFAULT_ROLES
) -> bool:
    """True when `database` is owned by the transformer and the reader exists (the last thing
    `ensure_roles` does, so a True means a completed run): a cheap check before the full one."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(
            """
            select
                exists (
                    select 1 from pg_database d join pg_roles r on r.oid = d.datdba
                    where d.datname = %s and r.rolname = %s
                ),
                exists (select 1 from pg_roles where rolname = %s)
            """,
            (database, names.transformer, names.reader),
        ).fetchone()
    return bool(row and row[0] and row[1])


def ensure_roles(
    admin_url: str,
    database: str,
    *,
    names: RoleNames = DEFAULT_ROLES,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Create or update the roles, their databases and the warehouse grants (idempotent).

    Args:
        admin_url: a superuser (or CREATEROLE + CREATEDB) connection to the server; its
            database is used only for role and database statements.
        database: the warehouse database (created owned by the transformer when missing).
        names: role names (tests use suffixed names on a shared server).
        environ: where the passwords are read (default: the process environment).
    """
    environ = os.environ if environ is None else environ
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (_ADVISORY_LOCK_KEY,))
        try:
            _ensure_cluster_objects(conn, database, names, environ)
            warehouse_url = psycopg.conninfo.make_conninfo(admin_url, dbname=database)
            with psycopg.connect(warehouse_url) as wconn, wconn.transaction():
                _ensure_warehouse_grants(wconn, names)
            # last: roles_current() reads this ownership as "all of the above is done"
            conn.execute(
                sql.SQL("alter database {} owner to {}").format(
                    sql.Identifier(database), sql.Identifier(names.transformer)
                )
            )
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (_ADVISORY_LOCK_KEY,))


def _ensure_cluster_objects(
    conn: psycopg.Connection,
    database: str,
    names: RoleNames,
    environ: Mapping[str, str],
) -> None:
    existing = {
        r[0]
        for r in conn.execute(
            "select rolname from pg_roles where rolname = any(%s)",
            (list(names.password_variables()),),
        )
    }
    for role, variable in names.password_variables().items():
        ident = sql.Identifier(role)
        if role not in existing:
            conn.execute(sql.SQL("create role {} login").format(ident))
            log.info("created role %s", role)
        # never more than a login role, whatever someone granted it by hand
        conn.execute(
            sql.SQL(
                "alter role {} login nosuperuser nocreatedb nocreaterole noreplication nobypassrls"
            ).format(ident)
        )
        password = environ.get(variable)
        if password:
            # utility statements take no bind parameters; Literal quotes the value
            conn.execute(
                sql.SQL("alter role {} password {}").format(
                    ident, sql.Literal(password)
                )
            )
    conn.execute(
        sql.SQL("alter role {} set default_transaction_read_only = on").format(
            sql.Identifier(names.reader)
        )
    )
    is_super = conn.execute(
        "select rolsuper from pg_roles where rolname = current_user"
    ).fetchone()
    if not (is_super and is_super[0]):
        # a non-superuser administrator (an RDS master user) must be a member to hand
        # ownership to these roles; a superuser needs no membership
        conn.execute(
            sql.SQL("grant {}, {}, {} to current_user").format(
                sql.Identifier(names.transformer),
                sql.Identifier(names.mlflow),
                sql.Identifier(names.dagster),
            )
        )
    for db, owner in (
        (database, names.transformer),
        (names.mlflow, names.mlflow),
        (names.dagster, names.dagster),
    ):
        found = conn.execute(
            "select 1 from pg_database where datname = %s", (db,)
        ).fetchone()
        if not found:
            # the warehouse database changes owner last (see ensure_roles)
            statement = (
                "create database {}"
                if db == database
                else "create database {} owner {}"
            )
            conn.execute(
                sql.SQL(statement).format(sql.Identifier(db), sql.Identifier(owner))
            )
            log.info("created database %s", db)
        elif db != database:
            conn.execute(
                sql.SQL("alter database {} owner to {}").format(
                    sql.Identifier(db), sql.Identifier(owner)
                )
            )
        conn.execute(
            sql.SQL("revoke all on database {} from public").format(sql.Identifier(db))
        )
    conn.execute(
        sql.SQL("grant connect on database {} to {}").format(
            sql.Identifier(database), sql.Identifier(names.reader)
        )
    )


def _ensure_warehouse_grants(conn: psycopg.Connection, names: RoleNames) -> None:
    transformer = sql.Identifier(names.transformer)
    reader = sql.Identifier(names.reader)
    conn.execute("revoke create on schema public from public")
    conn.execute(
        sql.SQL(_MIGRATE_OWNERSHIP).format(transformer=sql.Literal(names.transformer))
    )
    for statement in (
        "alter default privileges for role {t} grant usage on schemas to {r}",
        "alter default privileges for role {t} grant select on tables to {r}",
        "alter default privileges for role {t} grant select on sequences to {r}",
    ):
        conn.execute(sql.SQL(statement).format(t=transformer, r=reader))
    conn.execute(
        sql.SQL(_GRANT_EXISTING).format(
            transformer=sql.Literal(names.transformer),
            reader=sql.Literal(names.reader),
        )
    )
