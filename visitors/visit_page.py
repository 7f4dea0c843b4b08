"""Sections other apps add to the visit page, so the visits app imports none of
them (documents adds its consents and attachments, badges its print and
reprint). A section is a callable(request, visit) returning rendered HTML, or
None when it has nothing to show to this member:

    from visitors.visit_page import register_section
    register_section(my_section, order=20)
"""

from collections.abc import Callable

Section = Callable[..., str | None]
_sections: list[tuple[int, Section]] = []


def register_section(func: Section, *, order: int = 50) -> Section:
    if all(f is not func for _o, f in _sections):
        _sections.append((order, func))
        _sections.sort(key=lambda item: item[0])
    return func


def sections(request, visit) -> list[str]:
    return [html for _order, func in _sections if (html := func(request, visit))]
