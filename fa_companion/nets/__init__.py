"""Layer 4, networks: MLP and CNN ensembles (:mod:`~fa_companion.nets.models`) and Paper A's deep
networks with their hand-written backward (:mod:`~fa_companion.nets.deep`)."""
