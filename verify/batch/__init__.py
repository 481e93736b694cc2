"""Whole folders and Telegram exports: plan, workers, results, grouping."""
