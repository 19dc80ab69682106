"""The coordinator console: server-drawn pages under /console/ (templates, static files and translations are package data here)."""
