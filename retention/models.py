"""Retention models."""
