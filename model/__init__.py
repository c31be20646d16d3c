"""The pure scoring core: encoder, text processing, relevance model, flags. No web, no database."""
