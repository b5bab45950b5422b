"""Reusable widgets and models shared by the tabs."""
