"""The demo schools (`flask --app portal demo`): seeding data through the features' own use cases.

- primary: the primary demo school, its accounts and demo PKI
- results: a year of varied primary results
- secondary: the THCS/THPT demo school and its scores
"""
