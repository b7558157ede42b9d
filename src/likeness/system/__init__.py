"""Installation-level work: the data home, keys, migrations, the server and the demo."""
