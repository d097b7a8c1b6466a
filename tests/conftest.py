"""Shared test set-up: the clinical case plugin."""

pytest_plugins = ["caseplugin"]
