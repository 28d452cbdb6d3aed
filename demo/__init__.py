"""Beatline's sandbox: a local Bot API emulator with a three-pane web page (`make demo`)."""
