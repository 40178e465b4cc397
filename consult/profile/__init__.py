"""A person's own account: name, password, language, their data, deleting the account."""
