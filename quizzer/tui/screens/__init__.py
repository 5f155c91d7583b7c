"""One module per screen; each is imported when first shown, so start-up stays fast."""
