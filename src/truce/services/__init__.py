"""One function per user action: check permission, apply the rules, store, and record."""
