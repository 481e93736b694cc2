"""The forensic timeline: what the stream's own structure says about edits.

`analyse_file` reads every frame's type, size and times (`verify.media.frames`)
and the encoder settings strings in the file (`encoders`), and lists
indicators (`structure`): GOP changes, timestamp gaps and jumps, frame-rate
changes, sound gaps and offsets, a second encoder; where indicators of
different kinds meet, a splice candidate. Indicators, never verdicts: each
says what innocent causes it can have.
"""
