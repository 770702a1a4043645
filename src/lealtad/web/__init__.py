"""The UI shell: login, navigation, shared templates and static files."""
