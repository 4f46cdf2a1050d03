"""Everything the bot sends on its own initiative: durable rows, claimed and sent once."""
