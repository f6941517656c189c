"""Prompt builder: system prompts, personas, derived facts and compact context packing."""
