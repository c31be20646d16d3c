"""Helpers shared by the test suites: real servers and real databases, never fakes."""
