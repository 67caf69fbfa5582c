"""A one-component Gradio app on Gradio's own settings: the idle-CPU baseline the app is measured against.

Run as ``python tests/plain_gradio.py --port N``.
"""
import argparse

import gradio as gr

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    with gr.Blocks() as demo:
        gr.Markdown("Plain Gradio")
    demo.launch(server_name="127.0.0.1", server_port=parser.parse_args().port)
