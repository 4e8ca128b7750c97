"""The alert flow: stages with one signature, wired in one place (``builder.py``)."""
