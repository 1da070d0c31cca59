"""The reference Connect simulator: an independent implementation of Connect's server side.

It imports nothing of the project but the schema packs (as data).
"""
