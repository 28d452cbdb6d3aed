"""Steps that combine the database with what is sent or written; handlers call one of these."""
