"""Pure grading rules (TT27/2020 primary, TT22/2021 secondary): no Flask, no peewee, dataclasses in and out."""
