"""The review queue: messages the assistant fell back on, was unsure about, or whose answer was rated
不满意 / 非常不满意 — grouped by similarity, turned by an administrator into examples of an intent, an
FAQ entry, or dismissed."""
