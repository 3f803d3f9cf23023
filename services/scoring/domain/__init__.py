"""Pure domain logic of the scoring service: rules, periods, working days, scorecards."""
