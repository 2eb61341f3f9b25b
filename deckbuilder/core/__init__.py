"""The pure core: curriculum model, plan arithmetic, note specs. No I/O, no third-party imports."""
