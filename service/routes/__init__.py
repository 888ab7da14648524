"""The app's blueprints, registered in this order by create_app()."""

from flask import Blueprint

from service.routes import admin, comments, health, privacy, queue, scoring, tokens

blueprints: tuple[Blueprint, ...] = (comments.bp, queue.bp, scoring.bp, tokens.bp, admin.bp, privacy.bp, health.bp)
