"""flatpeak-connect html."""
