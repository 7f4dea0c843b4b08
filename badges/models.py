"""Badges models."""
