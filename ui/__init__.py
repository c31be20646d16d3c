"""Streamlit review UI over the service's HTTP API (never imports the engine)."""
