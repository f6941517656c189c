from bot.cli.main import entrypoint

entrypoint()
