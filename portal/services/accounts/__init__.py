"""Accounts: who is logged in and what they may do.

- users: login, logout, password changes, creating accounts and roles
- passwords: hashing and the password policy
- login_throttle, ratelimit: slowing down password guessing and public endpoints
- permissions: every permission decision (the one place they are made)
"""
