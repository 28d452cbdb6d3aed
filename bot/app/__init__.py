"""The running application: command line, start-up, composition root, logging, command menus.

Only this package imports `handlers`; it wires every layer together."""
