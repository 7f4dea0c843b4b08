"""The sites a membership reaches, as the sites app defines them.

Tenancy keeps the link (`Membership.sites`, `site_ids`, `sees_all_sites`); what
the sites are and which of them a member reaches (hosts pre-register guests at
every site, reception only at its own...) is the sites app's rule
(`sites.selectors.sites_for`). Tenancy and audit sit below sites and never
import it: the sites app installs its queries here in its `ready()`:

    perimeter.install(every_site=..., sites_for=...)

and the member screens and the journal's site filter ask here."""


class Perimeter:
    def __init__(self):
        self._every_site = None
        self._sites_for = None

    def install(self, *, every_site, sites_for) -> None:
        self._every_site = every_site
        self._sites_for = sites_for

    def _installed(self):
        if self._sites_for is None:
            raise RuntimeError("no site perimeter installed: the sites app installs it in its ready()")

    def every_site(self):
        """Every site of the organization in scope (a queryset)."""
        self._installed()
        return self._every_site()

    def sites_for(self, membership):
        """The sites `membership` reaches (a queryset)."""
        self._installed()
        return self._sites_for(membership)


perimeter = Perimeter()
