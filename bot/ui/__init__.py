"""What people see: texts, keyboards, charts and printable documents, in the reader's language."""
