#!/usr/bin/env bash
# Runs once, on an empty data directory, as the postgres superuser (docker-entrypoint-initdb.d).
# Creates one database per concern and least-privilege login roles; passwords from the env.
#   ecom_transformer  owns the warehouse database `ecom`: loads raw, builds dbt schemas, writes ml
#   ecom_reader       read-only on everything ecom_transformer creates (api, app)
#   mlflow            owns database `mlflow` (tracking + registry backend store)
#   dagster           owns database `dagster` (runs, events, schedules)
set -euo pipefail

: "${ECOM_TRANSFORMER_PASSWORD:?ECOM_TRANSFORMER_PASSWORD must be set}"
: "${ECOM_READER_PASSWORD:?ECOM_READER_PASSWORD must be set}"
: "${MLFLOW_DB_PASSWORD:?MLFLOW_DB_PASSWORD must be set}"
: "${DAGSTER_PG_PASSWORD:?DAGSTER_PG_PASSWORD must be set}"

psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v transformer_pw="$ECOM_TRANSFORMER_PASSWORD" \
    -v reader_pw="$ECOM_READER_PASSWORD" \
    -v mlflow_pw="$MLFLOW_DB_PASSWORD" \
    -v dagster_pw="$DAGSTER_PG_PASSWORD" <<'SQL'
create role ecom_transformer login password :'transformer_pw';
create role ecom_reader login password :'reader_pw';
alter role ecom_reader set default_transaction_read_only = on;
create role mlflow login password :'mlflow_pw';
create role dagster login password :'dagster_pw';
-- Lets a non-superuser admin (RDS master user) hand ownership to these roles; no-op for postgres.
grant ecom_transformer, mlflow, dagster to current_user;

create database ecom owner ecom_transformer;
create database mlflow owner mlflow;
create database dagster owner dagster;

revoke all on database ecom from public;
revoke all on database mlflow from public;
revoke all on database dagster from public;
grant connect on database ecom to ecom_reader;
SQL

# Inside the warehouse: whatever ecom_transformer creates later (raw, staging, marts, ml ...)
# is readable by ecom_reader, and nothing else can create objects in public.
psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname ecom <<'SQL'
revoke create on schema public from public;
alter default privileges for role ecom_transformer grant usage on schemas to ecom_reader;
alter default privileges for role ecom_transformer grant select on tables to ecom_reader;
alter default privileges for role ecom_transformer grant select on sequences to ecom_reader;
SQL
