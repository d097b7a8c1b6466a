"""The pure reasoning core: intake in, assessment out. No I/O, no clock, no doors imported here."""
