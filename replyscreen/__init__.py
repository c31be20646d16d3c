"""ReplyScreen application layer: configuration and the command line."""
