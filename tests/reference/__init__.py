"""Plain-Python reference implementations of MedSync's engines.

Each module restates the rules of one Rust engine in the simplest Python that
can be read against the issue text. Tests prove that ``medsync_core`` gives the
same answers (hypothesis), and the benches time it against the engine on the
same data.
"""
