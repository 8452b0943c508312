"""The ``naut`` command line."""
