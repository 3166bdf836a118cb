"""Layer 10, tools: the book runner (``python -m fa_companion.book``), benchmarks
(``python -m fa_companion.bench``), the environment report and the Sphinx extensions."""
