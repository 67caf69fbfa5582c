"""Measuring models: pure metric functions, the per-dataset context ``make evaluate`` shares, the model card."""
