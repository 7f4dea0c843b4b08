"""Tenancy's events (organization created, member added or changed, tokens,
sign-ins) go to the organization's journal, which the audit app keeps.

Tenancy is the ground floor: it imports no other app of ours. The audit app
installs its `record` here in its `ready()`, and tenancy journals through it:

    from tenancy.journal import journal
    journal.record("membership.created", target=membership, data={...})

The arguments are those of `audit.services.record` (same transaction, same
rules: ids only in `data`)."""


class Journal:
    def __init__(self):
        self._record = None

    def install(self, record) -> None:
        self._record = record

    def record(self, verb: str, **kwargs):
        if self._record is None:
            # A tenancy event with nowhere to go is a bug, not a no-op: sign-ins
            # and role changes are what an organization's admins audit first.
            raise RuntimeError(f"no journal installed for {verb!r}: the audit app installs it in its ready()")
        return self._record(verb, **kwargs)


journal = Journal()
