"""The one exception visit services raise for a refused action."""


class VisitError(Exception):
    """A refused change of a visit (illegal transition, blocking check, stale
    code). The API and the desk answer 409 with `problems`; `field`, when set,
    names the input at fault (the API answers 400 for it instead)."""

    def __init__(self, *problems, field: str | None = None, overridable: bool = False, checks: bool = False):
        self.problems = [str(p) for p in problems]
        self.field = field
        # True when an admin could pass with an override reason.
        self.overridable = overridable
        # True when arrival checks refused (something to solve: a consent to
        # sign, the watchlist), not the visit's state.
        self.checks = checks
        # The visit the refused action read (a walk-in's: registered, then
        # refused its arrival).
        self.visit = None
        super().__init__("; ".join(self.problems))

    @property
    def message(self) -> str:
        return " ".join(self.problems)


class DeskElsewhere(VisitError):
    """An arrival at a desk (given by id) that is not one of the visit's site.
    The caller says whether that desk is unknown to it (400) or one of its own
    at another site (409, with these problems)."""
