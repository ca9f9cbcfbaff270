//! Fixtures written by another program (openpyxl), see scripts/make_fixtures.py.
