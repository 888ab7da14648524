"""The app's blueprints, registered in this order by create_app()."""

from flask import Blueprint

from service.routes import (
    admin,
    admin_pages,
    authors,
    comments,
    health,
    models,
    moderate_pages,
    pages,
    privacy,
    queue,
    scoring,
    tokens,
    webhooks,
)

blueprints: tuple[Blueprint, ...] = (
    comments.bp,
    queue.bp,
    scoring.bp,
    tokens.bp,
    admin.bp,
    models.bp,
    privacy.bp,
    health.bp,
    pages.bp,
    moderate_pages.bp,
    admin_pages.bp,
    authors.bp,
    webhooks.bp,
)
