"""Closing the loop: the follow-up of a survey record, its status, assignee and history."""
