"""Built-in brief templates (NAME.md); a user's config dir briefs/NAME.md overrides one."""
