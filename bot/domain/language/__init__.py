"""Which language a resident wrote in: the identifier and the pieces it votes with."""
