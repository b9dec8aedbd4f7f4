"""Secondary evaluation (TT22): the primary area's shape for scores and rèn luyện.

- entry: score and conduct cells, one at a time
- grid: what the secondary entry screens show
- remarks: the homeroom teacher's year lines (comment, certificates, competitions)
- summary, summary_xlsx: the class summary and its workbook
"""
