"""Pure core: retention maths, week and status logic, tag diffs, speed-draw selection, ICS text."""
