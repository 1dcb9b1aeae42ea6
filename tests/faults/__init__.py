"""Fault runs outside the quick suite: the crash test and the soak test (make crash, make soak)."""
