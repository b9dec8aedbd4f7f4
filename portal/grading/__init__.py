"""Pure grading rules (TT27/2020, primary; TT22/2021 for secondary schools is not written yet): no Flask, no
peewee, dataclasses in and out."""
