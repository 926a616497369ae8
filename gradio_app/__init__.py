"""The R&D site: a Gradio layer over ``ava_core`` to talk to AVA as a lead and see every step."""
