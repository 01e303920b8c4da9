"""Speech-level load tester: many real SIP calls with spoken questions and keys,
checked for the right answer, reported as JSON, a terminal summary and HTML."""
