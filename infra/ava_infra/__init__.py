"""AVA's Azure resources for one business, as a Pulumi program (`infra/__main__.py` runs it)."""
