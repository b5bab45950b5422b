"""Parts of the baselines tab."""
