"""The client's parts that scripts/client.py (the command) puts together; one module per concern."""
