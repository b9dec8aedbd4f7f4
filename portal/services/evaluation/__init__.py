"""Evaluation: entering, locking and reading pupils' results, and the views and files built on them.

Primary (TT27):
- entry: one cell at a time, locks per checkpoint, change requests after a lock
- fill: điền nhanh (one level for every empty cell of a class) and its undo
- comments: the comment bank and comment checks
- results: reading a class's evaluations (grid, summary, outcomes, completeness)
- grid: what the entry screens show (page view-models)
- results_io, summary_xlsx: a class × subject as a spreadsheet; the class summary workbook

Secondary (TT22): the `secondary` sub-package, same shape (entry, grid, summary, summary_xlsx).
"""
