"""How a return gets back to the shop: label providers, the label of each return, the shop's label settings."""
