"""The web app's routers: HTML pages and their JSON twins."""
