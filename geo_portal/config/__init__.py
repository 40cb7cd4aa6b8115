"""Django project configuration: settings per environment, root URLs, WSGI entry point."""
