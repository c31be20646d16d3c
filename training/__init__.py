"""Datasets, training, evaluation and model artifacts."""
