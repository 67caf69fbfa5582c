"""Client-side widgets built on Gradio's own gr.HTML: the server sends their frames once, the browser swaps them."""
