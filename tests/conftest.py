"""Shared test set-up: the clinical case plugin and the database fixtures."""

pytest_plugins = ["caseplugin", "dbfixtures"]
