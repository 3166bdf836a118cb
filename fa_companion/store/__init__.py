"""Layer 1, the store: results cached on disk by config hash (:mod:`fa_companion.store.results`).

It sits low because training checkpoints through it; it imports nothing else of the package.
"""
