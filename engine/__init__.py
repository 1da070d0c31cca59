"""The core of flatpeak-connect: protocol packs, validation, the session machine and flow.

The engine knows no renderer and no web framework; it imports nothing of the project but the
schema packs (as data).
"""
