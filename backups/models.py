"""Backups models."""
