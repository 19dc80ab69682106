"""Flet screens: one component per screen, built from ids and services, never holding
domain objects between events. The root (`field_app.app`) owns routing."""
