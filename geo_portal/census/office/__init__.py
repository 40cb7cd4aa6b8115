"""The office's census pages: campaigns, the supervisor's review of submitted tasks, the clerk's proposals,
the progress dashboard, exports, and the paper fallback (A4 sheets and keying findings in)."""
