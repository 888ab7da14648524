"""The comment statuses DESIGN.md fixes."""

from enum import StrEnum


class Status(StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"
    REJECTED = "rejected"
    REPORTED = "reported"


QUEUED_STATUSES = (Status.PENDING, Status.REPORTED)
