"""Named errors of the phone's store. Each carries a stable `code` for the app to translate.

    StoreError                      store.error
    ├── VisitNotFoundError          store.visit_not_found
    ├── VisitExistsError            store.visit_exists
    ├── UnknownSectionError         store.section_unknown
    ├── UnknownAssignmentError      store.assignment_unknown
    ├── RevisionNotFoundError       store.revision_not_found
    └── OutboxItemNotFoundError     store.outbox_item_not_found

Errors of the domain (`field_app.domain.errors`: a frozen visit, an invalid answer, a
conflicting checklist version...) pass through the store unchanged.
"""

from __future__ import annotations


class StoreError(Exception):
    "Base of every store error"

    code = "store.error"


class VisitNotFoundError(StoreError):
    "No visit with that uuid is stored on this phone"

    code = "store.visit_not_found"


class VisitExistsError(StoreError):
    "A visit with that uuid is already stored"

    code = "store.visit_exists"


class UnknownSectionError(StoreError):
    "The visit's checklist has no section with that id"

    code = "store.section_unknown"



class RevisionNotFoundError(StoreError):
    "That revision of the visit has not been finalized on this phone"

    code = "store.revision_not_found"


class OutboxItemNotFoundError(StoreError):
    "No outbox item with that id"

    code = "store.outbox_item_not_found"


class UnknownAssignmentError(StoreError):
    "No stop of the route has that assignment id"

    code = "store.assignment_unknown"
