"""Causality: Simpson's paradox, back-door adjustment, recovering a hidden confounder."""
