"""Comments (annotations) on paragraphs, and replies to them."""
