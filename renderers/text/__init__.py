"""flatpeak-connect text."""
