"""Parts of the live traffic tab."""
