"""One module per stage. The order they run in is decided by ``autoheal.pipeline.builder`` alone."""
