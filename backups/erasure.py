"""Erasure replay: a restore must never bring back personal data erased after
the backup was taken.

The erasure ledger (kept by the app that erases, installed into
`config.registries.erasure_ledger`) lists, by id, every row anonymised or
deleted. The ledger is read from the *live* database (the backup predates those
erasures), carried to the restored copy as a JSON file, and applied there again
by the ledger's owner, with the same data types (each owning app says how its
rows are anonymised or deleted)."""

import json
from pathlib import Path

from config.registries import erasure_ledger
from tenancy.models import Organization
from tenancy.scope import tenant_scope


def ledger_since(moment, organization_ids=None) -> list[dict]:
    out = []
    orgs = Organization.objects.order_by("pk")
    if organization_ids is not None:
        orgs = orgs.filter(pk__in=organization_ids)
    for org_id in orgs.values_list("pk", flat=True):
        with tenant_scope(org_id):
            for record in erasure_ledger.since(org_id, moment):
                out.append(
                    {
                        "organization": org_id,
                        "data_type": record.data_type,
                        "action": record.action,
                        "ids": list(record.ids),
                        "at": record.created_at.isoformat(),
                    }
                )
    return out


def replay(records: list[dict]) -> dict:
    """Apply each recorded erasure again, oldest first, in the current
    database (the restored copy), through the ledger's owner (each data type
    anonymises or deletes its own rows). Rows already gone or already
    anonymised are skipped; returns counts per data type and what could not
    be replayed."""
    counts: dict[str, int] = {}
    missing_types = set()
    for record in records:
        with tenant_scope(record["organization"]):
            present = erasure_ledger.replay(record)
        if present is None:
            missing_types.add(record["data_type"])
            continue
        counts[record["data_type"]] = counts.get(record["data_type"], 0) + present
    return {"replayed": counts, "records": len(records), "unknown_types": sorted(missing_types)}


def replay_file(path: Path) -> dict:
    return replay(json.loads(Path(path).read_text()))
