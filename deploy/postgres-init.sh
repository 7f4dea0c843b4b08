#!/bin/sh
# Creates Vestibule's two database roles on the first start of the PostgreSQL
# container (README, "Database roles").
set -eu
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
CREATE ROLE vestibule_owner LOGIN BYPASSRLS PASSWORD '${OWNER_DB_PASSWORD}';
CREATE ROLE vestibule_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '${APP_DB_PASSWORD}';
CREATE DATABASE vestibule OWNER vestibule_owner;
\connect vestibule
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SQL
