"""Planner: which data a question needs.

    plan_question(question, now=...) -> Plan        deterministic rules, English and Korean
    bot.planner.tools                               model tool calling when rules are unsure
"""

from bot.planner.plan import Lang, Plan, PlanStep
from bot.planner.rules import detect_language, plan_question

__all__ = ["Lang", "Plan", "PlanStep", "detect_language", "plan_question"]
