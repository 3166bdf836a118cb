"""Layer 3, learning rules: feedback Functions and the rule registry
(:mod:`~fa_companion.rules.feedback`), initialization (:mod:`~fa_companion.rules.init`), Paper A's
weight normalization (:mod:`~fa_companion.rules.normalize`), output codes
(:mod:`~fa_companion.rules.codes`) and the angles between a rule's feedback and the weights
(:mod:`~fa_companion.rules.metrics`, recorded by training every epoch, hence this low).
"""
