"""The web door of b12check: server-rendered pages, JSON twins and the GP report."""
