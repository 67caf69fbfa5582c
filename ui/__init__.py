"""The Gradio UI: one module per tab, a thin shell over the pure ``gan_demo`` package."""
