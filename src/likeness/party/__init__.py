"""Parties: users and their roles, talent, agencies, representation and brands."""
