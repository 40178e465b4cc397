"""The audit log: who decided what, when and why."""
