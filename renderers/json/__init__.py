"""flatpeak-connect json."""
