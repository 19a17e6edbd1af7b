-- Back to the session's default planner after a refresh that turned nested loops off.
reset enable_nestloop
