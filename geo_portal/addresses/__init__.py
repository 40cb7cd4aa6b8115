"""Door plates (門牌): the address entity, its parser, history and importers."""
