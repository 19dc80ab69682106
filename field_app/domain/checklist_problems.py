"""The catalogue of what can be wrong with a checklist file: a stable code per kind of
problem, and its English wording with the `{values}` it takes.

A `Problem` carries a code and its values; the CLI and the phone print the English below
(`Problem.message`), the console words the code in the coordinator's language
(`server_stub/console/translations/<lang>/checklist_problems.json`, one text per code with
the same values). A code never changes meaning: add a new one rather than reword one into
something else, and never reuse one.
"""

from __future__ import annotations

from collections.abc import Mapping

# Reading the file: one of these stops the reading, so it comes alone.
FILE = {
    "file_unreadable": "cannot read the file: {reason}",
    "too_many_values": "the file expands to more than {limit} values (through its aliases), "
                       "at line {line}, column {column}",
    "nested_too_deep_at": "values are nested more than {limit} deep, at line {line}, column {column}",
    "nested_too_deep": "values are nested more than {limit} deep",
    "not_yaml_at": "not valid YAML at line {line}, column {column}: {detail}",
    "not_yaml": "not valid YAML: {detail}",
    "not_a_mapping": "the file must be a mapping with id, version, sections",
    "lone_surrogate": "a \\u escape names a lone surrogate, not a character",
    "misplaced": "the file must be at {expected} to match its id and version",
    "version_twice": "{checklist}@{version} has other content in {other}; give it a new version",
}

# The structure of the format (types, fields, ranges), as pydantic finds it.
STRUCTURE = {
    "required": "is required",
    "unknown_field": "is not a field of the checklist format",
    "not_text": "must be text",
    "not_whole_number": "must be a whole number",
    "not_number": "must be a number",
    "not_finite": "must be a finite number",
    "not_boolean": "must be true or false",
    "not_list": "must be a list",
    "not_mapping": "must be a mapping of fields",
    "above": "must be greater than {limit}",
    "at_least": "must be greater than or equal to {limit}",
    "below": "must be less than {limit}",
    "at_most": "must be less than or equal to {limit}",
    "pattern": "'{value}' does not match {pattern} (small Latin letters, digits and _)",
    "too_long": "must be at most {limit} characters long",
    "too_short": "must be at least {limit} characters long",
    "not_one_of": "'{value}' is not one of {allowed}",
    "show_if_shape": "must be a condition (question: with one of equals, in, not_in) "
                     "or a list of conditions under all: or any:",
    "anchor_shape": "must be start, finish or question: with the id of a datetime question",
    "offset_one_of": "give exactly one of 'hours' and 'working_days'",
    "due_rule_one_of": "give exactly one of 'after_hours', 'within_working_days' and 'window'",
    "due_or_hours": "give exactly one of 'due' and 'due_after_hours'",
    # A kind of pydantic error the catalogue has no code for: its own English words.
    "invalid": "{detail}",
}

# Rules that span several questions or fields (`rules.py`).
RULES = {
    "section_id_twice": "section id '{id}' is used twice",
    "section_empty": "a section needs at least one question",
    "id_twice": "id '{id}' is used twice",
    "choice_needs_options": "a choice question needs at least two options",
    "option_id_twice": "option id '{option}' is used twice",
    "options_not_for_type": "only a choice question has options, not a {type} question",
    "labels_not_for_type": "only a yes_no question has labels, not a {type} question",
    "bands_needed": "a {type} question needs bands that turn its value into an answer",
    "bands_not_for_type": "a {type} question has no value for bands to pick from",
    "range_not_for_type": "only counter and number questions have a range, not a {type} question",
    "min_above_max": "min_value is above max_value",
    "photos_min_above_max": "photos.min is above photos.max",
    "source_not_for_type": "only a photo question has a source (camera or any), not a {type} question",
    "recordings_not_for_type": "only an audio question has recordings, not a {type} question",
    "max_seconds_not_for_type": "only an audio question has max_seconds, not a {type} question",
    "recordings_min_above_max": "recordings.min is above recordings.max",
    "last_band_has_max": "the last band must have no max, so that every value picks a band",
    "open_band_not_last": "only the last band may have no max",
    "bands_not_increasing": "bands are not in increasing order ({high} after {low})",
    "condition_empty": "'{name}' needs at least one condition",
    "show_if_not_earlier": "names '{question}', which is not an earlier question "
                           "(show_if may only name questions asked before)",
    "condition_one_of": "needs exactly one of equals, in, not_in",
    "not_an_option": "'{value}' is not an option of '{question}' ({options})",
    "yes_no_needs_boolean": "'{question}' is yes_no: compare it with true or false, not '{value}'",
    "standard_twice": "standard '{standard}' is also judged by '{question}'",
    "anchor_not_datetime": "anchor '{question}' is not a datetime question",
}

ENGLISH: dict[str, str] = {**FILE, **STRUCTURE, **RULES}


def english(code: str, values: Mapping[str, str]) -> str:
    """A problem in English: its code's wording with its values."""
    return ENGLISH[code].format(**values)
