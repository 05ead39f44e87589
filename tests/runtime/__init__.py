"""Tests of the client runtime (generator/runtime), the code copied into generated packages."""
