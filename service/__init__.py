"""HTTP shell over model/ and training/: FastAPI app, storage, auth, limits, metrics, training jobs."""
