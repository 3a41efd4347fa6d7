"""Who set a manual override, kept with the decision while the override stands.

The domain decides that an override label or field wins and says which
(``override: label oms-override-priority``). Jira tells who made a change only in the
event that made it, so the name is added to the reason then
(``override: label oms-override-priority, set by Jane Doe``) and carried over while
later changes keep the same override.
"""

from __future__ import annotations

from dataclasses import replace

from oms_connector.domain.classification import Decision
from oms_connector.services.ports import StoredIssue

SET_BY = ", set by "


def base_reason(reason: str) -> str:
    """The reason without who set it."""
    return reason.split(SET_BY, 1)[0]


def attribute_override(
    decision: Decision, stored: StoredIssue | None, changed_by: str | None
) -> Decision:
    """``decision`` with the name of who set its override, when that is known.

    ``changed_by`` is who made the change being applied (the event's user), if the
    event names one. The override is theirs when it is new with this change: the issue
    was unknown or had another reason. An override that stands keeps the name it was
    stored with, whoever makes later changes.
    """
    if not decision.overridden:
        return decision
    if stored is not None and base_reason(stored.reason) == decision.reason:
        return replace(decision, reason=stored.reason)
    name = (changed_by or "").strip()
    if not name:
        return decision
    return replace(decision, reason=f"{decision.reason}{SET_BY}{name}")
