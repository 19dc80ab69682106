"""Pure domain: checklists, visits, timers, scoring. No I/O frameworks here."""
